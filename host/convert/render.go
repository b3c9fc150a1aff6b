package convert

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// render applies a file's edits to its tree and returns the new bytes. A
// YAML file is changed by splicing the new user blocks into the original
// text, so every other byte stays; when that is not possible (flow style,
// odd layouts) the whole tree is re-encoded. Either way the result must
// parse back to exactly the edited tree, or nothing is written.
func render(f *file, edits []edit) ([]byte, error) {
	var candidates [][]byte
	if !f.isJSON {
		if s := splice(f, edits); s != nil {
			candidates = append(candidates, s)
		}
	}
	for _, e := range edits {
		replaceValue(e.entry, e.newValue)
	}
	want, err := canonical(f.root)
	if err != nil {
		return nil, fmt.Errorf("cannot rewrite kubeconfig %s: %s", f.path, oneLine(err))
	}
	if f.isJSON {
		out, err := encodeJSON(f.root, f.data)
		if err != nil {
			return nil, fmt.Errorf("cannot rewrite kubeconfig %s as JSON: %s", f.path, oneLine(err))
		}
		candidates = append(candidates, out)
	} else if out, err := encodeYAML(f); err == nil {
		candidates = append(candidates, out)
	}
	for _, c := range candidates {
		if g, err := parseFile(f.path, c); err == nil {
			if got, err := canonical(g.root); err == nil && got == want {
				return c, nil
			}
		}
	}
	return nil, fmt.Errorf("cannot rewrite kubeconfig %s without changing its meaning (YAML anchors or tags kubelogin cannot reproduce?): convert a copy with --dry-run and check it", f.path)
}

// replaceValue puts v as the entry's user value in its list item.
func replaceValue(e entry, v *yaml.Node) {
	for i := 0; i+1 < len(e.item.Content); i += 2 {
		if e.item.Content[i] == e.key {
			e.item.Content[i+1] = v
			return
		}
	}
	e.item.Content = append(e.item.Content, strNode("user"), v)
}

// encodeYAML re-encodes the whole document in kubectl's layout.
func encodeYAML(f *file) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if compactSeqs(f) {
		enc.CompactSeqIndent()
	}
	if err := enc.Encode(f.doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return withLineEnds(buf.Bytes(), f.data), nil
}

// splice replaces the text of each edited "user:" key and its value with
// the new block at the same indentation. It returns nil when the layout is
// not plain block style.
func splice(f *file, edits []edit) []byte {
	_, users := mapGet(f.root, "users")
	if f.root.Style&yaml.FlowStyle != 0 || deref(users).Style&yaml.FlowStyle != 0 {
		return nil
	}
	src := f.data
	if otherLineBreaks(src) {
		return nil // the parser's line numbers would not match lineStarts
	}
	starts := lineStarts(src)
	order, end := preorder(f.doc)
	type region struct {
		start, end int
		text       []byte
	}
	var regions []region
	for _, e := range edits {
		k, v := e.entry.key, e.entry.value
		if e.entry.item.Style&yaml.FlowStyle != 0 || k == nil || k.Kind != yaml.ScalarNode || k.Line < 1 || k.Line > len(starts) {
			return nil
		}
		last := len(starts)
		if i := end[v]; i < len(order) {
			if order[i].Line <= k.Line {
				return nil
			}
			last = order[i].Line - 1
		}
		if last > len(starts) {
			return nil
		}
		for last > k.Line && blankOrComment(lineText(src, starts, last)) {
			last--
		}
		start, ok := columnOffset(src, starts[k.Line-1], k.Column)
		if !ok {
			return nil
		}
		text, err := renderPair(e.newValue, k.Column, indentStep(k, v), compactSeqs(f))
		if err != nil {
			return nil
		}
		regions = append(regions, region{start: start, end: lineEnd(src, starts, last), text: withLineEnds(text, src)})
	}
	sort.Slice(regions, func(i, j int) bool { return regions[i].start > regions[j].start })
	out := append([]byte(nil), src...)
	limit := len(out)
	for _, r := range regions {
		if r.end > limit {
			return nil
		}
		out = append(out[:r.start], append(r.text, out[r.end:]...)...)
		limit = r.start
	}
	return out
}

// renderPair encodes "user: <value>" indented to start at column col.
func renderPair(v *yaml.Node, col, step int, compact bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(step)
	if compact {
		enc.CompactSeqIndent()
	}
	if err := enc.Encode(mapNode(strNode("user"), v)); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	pad := strings.Repeat(" ", col-1)
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = pad + lines[i]
		}
	}
	return []byte(strings.Join(lines, "\n") + "\n"), nil
}

// preorder lists the nodes in document order; end[n] is the index just
// past n's subtree, so order[end[n]] is the node that follows n.
func preorder(doc *yaml.Node) (order []*yaml.Node, end map[*yaml.Node]int) {
	end = map[*yaml.Node]int{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		order = append(order, n)
		for _, c := range n.Content {
			walk(c)
		}
		end[n] = len(order)
	}
	walk(doc)
	return order, end
}

// indentStep is the file's indentation inside the old user value, else 2.
func indentStep(k, v *yaml.Node) int {
	if v = deref(v); v != nil && v.Kind == yaml.MappingNode && len(v.Content) > 0 && v.Style&yaml.FlowStyle == 0 {
		if step := v.Content[0].Column - k.Column; step >= 1 && step <= 8 {
			return step
		}
	}
	return 2
}

// compactSeqs reports kubectl's list layout ("users:\n- name"), where the
// dash sits at the key's column; that is also the default.
func compactSeqs(f *file) bool {
	k, users := mapGet(f.root, "users")
	users = deref(users)
	if k == nil || users == nil || len(users.Content) == 0 || users.Content[0].Line < 1 {
		return true
	}
	starts := lineStarts(f.data)
	if users.Content[0].Line > len(starts) {
		return true
	}
	line := lineText(f.data, starts, users.Content[0].Line)
	dash := bytes.IndexByte(line, '-')
	return dash < 0 || dash+1 == k.Column
}

// otherLineBreaks reports line breaks YAML counts besides \n and \r\n: a
// lone \r, NEL, LS and PS.
func otherLineBreaks(src []byte) bool {
	return bytes.Contains(bytes.ReplaceAll(src, []byte("\r\n"), nil), []byte("\r")) || bytes.ContainsAny(src, "\u0085\u2028\u2029")
}

func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' && i+1 < len(src) {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// lineText is line n (1-based) without its line break.
func lineText(src []byte, starts []int, n int) []byte {
	return bytes.TrimRight(src[starts[n-1]:lineEnd(src, starts, n)], "\r\n")
}

// lineEnd is the offset just past line n's line break.
func lineEnd(src []byte, starts []int, n int) int {
	if n < len(starts) {
		return starts[n]
	}
	return len(src)
}

// columnOffset is the byte offset of a 1-based column (counted in
// characters, as the YAML parser does) on the line starting at start.
func columnOffset(src []byte, start, col int) (int, bool) {
	off := start
	for i := 1; i < col; i++ {
		if off >= len(src) || src[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(src[off:])
		off += size
	}
	return off, true
}

func blankOrComment(line []byte) bool {
	t := bytes.TrimSpace(line)
	return len(t) == 0 || t[0] == '#'
}

// withLineEnds converts text to CRLF line ends when the original used them.
func withLineEnds(text, original []byte) []byte {
	if !bytes.Contains(original, []byte("\r\n")) {
		return text
	}
	return bytes.ReplaceAll(bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}
