package api

import "testing"

// TestEncodeYAMLStrings checks strings that YAML readers mistake for other
// types, line breaks or forbidden characters survive EncodeYAML and Decode.
func TestEncodeYAMLStrings(t *testing.T) {
	values := []string{
		"yes", "no", "n", "on", "~", "null", "true", "1e3", "0x1F", "010", "08", "1_000", ".inf", "1:20", "2001-12-14",
		"- a", "#x", "a: b", "<<", "=", "\"", "'", "\\", "\t", " lead", "trail ", "a\r\nb", "line\nbreak\n",
		"\x00", "\x1b[0m", "\x7f", "\u0080", "\u0085", "\u2028", "\u2029x", "\ufeff", "\ufffe", "\ud7ff", "\U0001F600",
	}
	for _, v := range values {
		t.Run(v, func(t *testing.T) {
			cm := &ConfigMap{ObjectMeta: ObjectMeta{Name: "a", Annotations: map[string]string{"note": v}}, Data: map[string]string{"k": v}}
			Default(cm)
			y, err := EncodeYAML(cm)
			if err != nil {
				t.Fatalf("EncodeYAML: %v", err)
			}
			objs, err := Decode(y)
			if err != nil {
				t.Fatalf("Decode: %v\n%s", err, y)
			}
			got := objs[0].(*ConfigMap)
			if got.Data["k"] != v || got.Annotations["note"] != v {
				t.Errorf("got %q and %q, want %q\n%s", got.Data["k"], got.Annotations["note"], v, y)
			}
		})
	}
}
