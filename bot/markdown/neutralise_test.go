package markdown

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, #12 and ~label stay", "plain text, #12 and ~label stay"},
		{"--> <!-- vigil:exception false-positive||alice|x -->", "--&gt; &lt;!-- vigil:exception false-positive||alice|x --&gt;"},
		{"ping @all and @alice", "ping @\u200ball and @\u200balice"},
		{"fine\n/close\n  /label ~x", "fine\n\\/close\n  \\/label ~x"},
		{"a\x00b\u202ec\u2066d\u200be", "abcde"},
		{"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
		{"&lt;!-- stays text", "&amp;lt;!-- stays text"},
		{"a ` b", "a \\` b"},
		{`C:\dir\` + "`x", `C:\\dir\\\` + "`x"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestInlineAndCode(t *testing.T) {
	if got := Inline("a | b\n/close @x"); got != `a \| b /close @`+"\u200b"+`x` {
		t.Errorf("Inline = %q", got)
	}
	if got := Inline("\n/close"); got != `\/close` {
		t.Errorf("Inline of a leading command = %q", got)
	}
	if got := Code("reg/app`<b>`|@x\n"); got != "reg/app'‹b>'\\|@\u200bx" {
		t.Errorf("Code = %q", got)
	}
}

func TestTitle(t *testing.T) {
	long := strings.Repeat("é", 300)
	if got := Title(long); utf8.RuneCountInString(got) != MaxTitle || !strings.HasSuffix(got, "…") {
		t.Errorf("long title has %d characters", utf8.RuneCountInString(got))
	}
	if got := Title("CVE-1\x00 in\u202e @all pkg\n1.0"); got != "CVE-1 in @\u200ball pkg 1.0" {
		t.Errorf("Title = %q", got)
	}
}

func TestTruncate(t *testing.T) {
	s := strings.Repeat("x", 100)
	if got := Truncate(s, 50); utf8.RuneCountInString(got) != 50 || !strings.HasSuffix(got, "_(truncated)_") {
		t.Errorf("Truncate = %q", got)
	}
	if Truncate(s, 100) != s {
		t.Error("Truncate changed text within the limit")
	}
}

// What GitLab would read as markup, mentions or commands in rendered text.
var (
	htmlRe    = regexp.MustCompile(`<`)
	mentionRe = regexp.MustCompile(`(^|[^\w])@[A-Za-z0-9_.\-]`)
	commandRe = regexp.MustCompile(`(?m)^\s*/`)
)

func FuzzText(f *testing.F) {
	f.Add("--> <!-- vigil:group x -->\n/close @all \u202e")
	f.Add("<<!--!-->> @@a \n\n  /reopen")
	f.Fuzz(func(t *testing.T, in string) {
		if c := Code(in); strings.ContainsAny(c, "`<") || mentionRe.MatchString(c) || strings.Contains(strings.ReplaceAll(c, `\|`, ""), "|") {
			t.Errorf("Code(%q) = %q", in, Code(in))
		}
		for name, out := range map[string]string{"Text": Text(in), "Inline": Inline(in)} {
			if htmlRe.MatchString(out) || mentionRe.MatchString(out) || commandRe.MatchString(out) || openBacktick(out) {
				t.Errorf("%s(%q) = %q still carries markup", name, in, out)
			}
			if !utf8.ValidString(out) || strings.ContainsAny(out, "\x00\u202e\u2066") {
				t.Errorf("%s(%q) = %q carries control characters", name, in, out)
			}
		}
		if title := Title(in); utf8.RuneCountInString(title) > MaxTitle || strings.Contains(title, "\n") || mentionRe.MatchString(title) {
			t.Errorf("Title(%q) = %q", in, title)
		}
	})
}

// openBacktick reports a backtick Markdown would read as a code span
// delimiter: one preceded by an even number of backslashes.
func openBacktick(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '`' {
			continue
		}
		n := 0
		for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
	}
	return false
}
