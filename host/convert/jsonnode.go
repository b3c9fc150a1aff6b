package convert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// JSON kubeconfigs are read with encoding/json (YAML parsers disagree with
// JSON on tabs and some escapes) into the same node tree as YAML ones, and
// written back as indented JSON with their key order.

// parseJSON builds a node tree from one JSON value, keeping key order and
// number literals.
func parseJSON(data []byte) (*yaml.Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return jsonValue(dec)
}

func jsonValue(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		if t == '{' {
			n.Kind, n.Tag = yaml.MappingNode, "!!map"
		}
		for dec.More() {
			if n.Kind == yaml.MappingNode {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, strNode(k.(string)))
			}
			v, err := jsonValue(dec)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, v)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return strNode(t), nil
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(t.String(), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case bool:
		return boolNode(t), nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// encodeJSON writes a node tree as JSON indented like the original file.
func encodeJSON(root *yaml.Node, original []byte) ([]byte, error) {
	var compact bytes.Buffer
	if err := writeJSON(&compact, root); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", jsonIndent(original)); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, n *yaml.Node) error {
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		open, closer := byte('['), byte(']')
		step := 1
		if n.Kind == yaml.MappingNode {
			open, closer, step = '{', '}', 2
		}
		buf.WriteByte(open)
		for i := 0; i+step-1 < len(n.Content); i += step {
			if i > 0 {
				buf.WriteByte(',')
			}
			if step == 2 {
				writeJSONString(buf, deref(n.Content[i]).Value)
				buf.WriteByte(':')
			}
			if err := writeJSON(buf, n.Content[i+step-1]); err != nil {
				return err
			}
		}
		buf.WriteByte(closer)
		return nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			buf.WriteString("null")
		case "!!bool", "!!int", "!!float":
			if !json.Valid([]byte(n.Value)) {
				return fmt.Errorf("value %q cannot be written as JSON", n.Value)
			}
			buf.WriteString(n.Value)
		default:
			writeJSONString(buf, n.Value)
		}
		return nil
	}
	return fmt.Errorf("a YAML construct at line %d cannot be written as JSON", n.Line)
}

func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	buf.Truncate(buf.Len() - 1)
}

// jsonIndent is the indentation of the first indented line, four spaces
// (kubectl's) for a one-line file.
func jsonIndent(data []byte) string {
	for _, line := range bytes.Split(data, []byte("\n"))[1:] {
		trimmed := bytes.TrimLeft(line, " \t")
		if ws := len(line) - len(trimmed); ws > 0 && len(trimmed) > 0 {
			return string(line[:ws])
		}
	}
	return "    "
}
