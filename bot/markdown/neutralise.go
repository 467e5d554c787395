package markdown

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// GitLab's length limits (characters), checked before any write so that no
// write fails on length.
const (
	MaxTitle = 255
	MaxText  = 1_000_000
)

// Text neutralises a block of outside text (a vulnerability description, a
// reason given in a comment): newlines stay, but it can carry no HTML or
// comment (hence no hidden vigil marker), no mention, no reference that
// notifies anyone and no quick action.
func Text(s string) string {
	s = clean(s, true)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = quickAction(escape(l))
	}
	return strings.Join(lines, "\n")
}

// Inline neutralises outside text for one line of Markdown (a title, a table
// cell): Text, with newlines folded into spaces and pipes escaped.
func Inline(s string) string {
	s = strings.Join(strings.Fields(clean(s, false)), " ")
	return strings.ReplaceAll(quickAction(escape(s)), "|", `\|`)
}

// Code neutralises outside text shown inside an inline code span, which is
// always in a table cell here: backticks would end the span, so they become
// single quotes; a pipe would end the cell (and the span with it), so it is
// escaped. GitLab shows a span literally, but the raw description is where
// the bot looks for its hidden lines, so "<" becomes "‹"; and should a span
// ever break, "@" is broken as in Inline.
func Code(s string) string {
	s = strings.Join(strings.Fields(clean(s, false)), " ")
	return codeEscaper.Replace(s)
}

var codeEscaper = strings.NewReplacer("`", "'", "<", "‹", "|", `\|`, "@", mentionBreak)

// Title is an issue or merge request title: one line, no control or bidi
// characters, no mention, capped to GitLab's limit. GitLab escapes titles
// as HTML itself and runs no quick action in them, so < and / stay.
func Title(s string) string {
	s = strings.Join(strings.Fields(clean(s, false)), " ")
	s = strings.ReplaceAll(s, "@", mentionBreak)
	if utf8.RuneCountInString(s) > MaxTitle {
		s = string([]rune(s)[:MaxTitle-1]) + "…"
	}
	return s
}

// Truncate caps s to max characters, ending it with a note that it was cut.
func Truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	const cut = "\n\n_(truncated)_"
	r := []rune(s)
	return string(r[:max-utf8.RuneCountInString(cut)]) + cut
}

// clean drops control characters (except newlines in blocks and tabs, which
// become spaces), bidi controls and invalid UTF-8.
func clean(s string, keepNewlines bool) string {
	s = strings.ToValidUTF8(s, "")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' && keepNewlines:
			b.WriteRune(r)
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case bidi(r), unicode.IsControl(r), unicode.Is(unicode.Cf, r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bidi reports the Unicode bidirectional formatting characters that can
// make text read differently from what it is (Trojan Source).
func bidi(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// mentionBreak replaces "@": GitLab finds mentions (and @all) with a
// pattern over the rendered text, where an entity would be decoded again; a
// zero-width space after the @ leaves nothing that pattern matches, and
// shows the same.
const mentionBreak = "@\u200b"

// escaper turns what GitLab would read as markup into text: < and > into
// entities (no HTML, no comment, hence no hidden vigil marker), & so an
// entity in the input stays text, @ so no one is mentioned, ` (and \, so
// the escape cannot be undone) escaped so outside text can neither open a
// code span nor close one of the bot's, which would let the text after it
// out of the span. References (#1, !1, ~label) only link, so they stay.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "@", mentionBreak, "`", "\\`", "\\", "\\\\")

func escape(s string) string { return escaper.Replace(s) }

// quickActionRe matches a line GitLab would run as a quick action: a slash
// command at its start, after optional blanks.
var quickActionRe = regexp.MustCompile(`^(\s*)/`)

func quickAction(line string) string { return quickActionRe.ReplaceAllString(line, `$1\/`) }
