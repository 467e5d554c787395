package glreport

import (
	"regexp"
	"strings"
)

// identifierFor names an advisory id the way GitLab's analyzers do, with a
// link to the database that publishes it.
func identifierFor(id string) Identifier {
	up := strings.ToUpper(id)
	ident := Identifier{Name: id, Value: id}
	switch {
	case strings.HasPrefix(up, "CVE-"):
		ident.Type, ident.URL = "cve", "https://nvd.nist.gov/vuln/detail/"+id
	case strings.HasPrefix(up, "GHSA-"):
		ident.Type, ident.URL = "ghsa", "https://github.com/advisories/"+id
	case strings.HasPrefix(up, "GO-"):
		ident.Type, ident.URL = "go", "https://pkg.go.dev/vuln/"+id
	default:
		ident.Type = "vigil"
		if i := strings.IndexByte(id, '-'); i > 0 {
			ident.Type = strings.ToLower(id[:i])
		}
		ident.URL = "https://osv.dev/vulnerability/" + id
	}
	return ident
}

// The schema's two CVSS vector patterns; vectors matching neither (CVSS 4.0,
// say) are left out rather than making the report invalid.
var (
	cvss2Vector = regexp.MustCompile(`^((AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))/)*(AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))$`)
	cvss3Vector = regexp.MustCompile(`^CVSS:3[.][01]/((AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])/)*(AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])$`)
	linkURL     = regexp.MustCompile(`^(https?|ftp)://.+`)
)

func validVector(v string) bool {
	switch {
	case len(v) > 128:
		return false
	case strings.HasPrefix(v, "CVSS:3"):
		return len(v) >= 32 && cvss3Vector.MatchString(v)
	default:
		return len(v) >= 16 && cvss2Vector.MatchString(v)
	}
}
