package cache

import (
	"reflect"
	"testing"
)

func TestKeyIDCoversEveryField(t *testing.T) {
	seen := map[string]string{Key{}.ID(): "zero key"}
	v := reflect.ValueOf(Key{})
	for i := range v.NumField() {
		var k Key
		f := reflect.ValueOf(&k).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Bool:
			f.SetBool(true)
		default:
			t.Fatalf("Key field %s has kind %s: teach ID and this test about it", v.Type().Field(i).Name, f.Kind())
		}
		name := v.Type().Field(i).Name
		if other, dup := seen[k.ID()]; dup {
			t.Errorf("setting %s gives the same ID as %s", name, other)
		}
		seen[k.ID()] = name
	}
}

func TestKeyIDDistinguishes(t *testing.T) {
	tests := []struct {
		name string
		a, b Key
	}{
		{"two tenants", Key{TenantID: "t1", ClientID: "c"}, Key{TenantID: "t2", ClientID: "c"}},
		{"two accounts", Key{TenantID: "t", Account: "alice"}, Key{TenantID: "t", Account: "bob"}},
		{"legacy vs not", Key{ServerID: "s", Legacy: true}, Key{ServerID: "s"}},
		{"pop vs bearer", Key{ServerID: "s", PoPKeyID: "thumb"}, Key{ServerID: "s"}},
		{"pop claims", Key{PoPKeyID: "k", PoPClaims: "u=/a"}, Key{PoPKeyID: "k", PoPClaims: "u=/b"}},
		{"value moved to another field", Key{TenantID: "a"}, Key{ClientID: "a"}},
		{"separator injection", Key{TenantID: "a\nclientID=1:b"}, Key{TenantID: "a", ClientID: "b"}},
		{"length boundary", Key{TenantID: "ab", ClientID: "c"}, Key{TenantID: "a", ClientID: "bc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.a.ID() == tt.b.ID() {
				t.Fatalf("%+v and %+v share ID %s", tt.a, tt.b, tt.a.ID())
			}
		})
	}
}

func TestKeyIDFormat(t *testing.T) {
	long := Key{TenantID: string(make([]byte, 10000))}
	for _, k := range []Key{{}, testKey, long} {
		id := k.ID()
		if !isID(id) {
			t.Errorf("ID %q is not %d lower-case hex digits", id, idLen)
		}
		if id != k.ID() {
			t.Errorf("ID is not deterministic")
		}
	}
	// Golden value: changing the encoding orphans every user's cache, so it must be a deliberate act
	// (bump keyEncodingVersion and update this value).
	golden := Key{LoginMode: "devicecode", AuthorityHost: "https://login.microsoftonline.com/", TenantID: "tenant",
		ClientID: "client", ServerID: "server", Legacy: true, PoPKeyID: "thumb", PoPClaims: "u=/r", Account: "alice", Extra: "x"}
	const want = "8e74346134d9a90ac66d853522e03c4a14062e9f9b45ee694d11ebf6639a71d9"
	if got := golden.ID(); got != want {
		t.Errorf("golden.ID() = %s, want %s", got, want)
	}
}
