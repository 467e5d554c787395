package glreport

import (
	"strings"
	"testing"
)

func TestValidateRejects(t *testing.T) {
	cs := string(readFixture(t, "gl-container-scanning-report.json"))
	ds := string(readFixture(t, "gl-dependency-scanning-report.json"))
	noAnalyzer := func(doc string) string {
		start := strings.Index(doc, `"analyzer": {`)
		end := strings.Index(doc, `"scanner": {`)
		return doc[:start] + doc[end:]
	}
	for name, tc := range map[string]struct {
		reportType, doc string
	}{
		"cs no analyzer":          {TypeContainerScanning, noAnalyzer(cs)},
		"ds no analyzer":          {TypeDependencyScanning, noAnalyzer(ds)},
		"cs start time with zone": {TypeContainerScanning, strings.Replace(cs, `"2026-11-20T09:14:03"`, `"2026-11-20T09:14:03Z"`, 1)},
		"ds start time date only": {TypeDependencyScanning, strings.Replace(ds, `"2026-11-20T09:10:00"`, `"2026-11-20"`, 1)},
		"cs unknown severity":     {TypeContainerScanning, strings.Replace(cs, `"severity": "High"`, `"severity": "Important"`, 1)},
		"ds lower-case severity":  {TypeDependencyScanning, strings.Replace(ds, `"severity": "High"`, `"severity": "high"`, 1)},
		"cs version 16":           {TypeContainerScanning, strings.Replace(cs, `"version": "15.0.7"`, `"version": "16.0.0"`, 1)},
		"cs wrong scan type":      {TypeContainerScanning, strings.Replace(cs, `"type": "container_scanning"`, `"type": "dependency_scanning"`, 1)},
		"cs bad status":           {TypeContainerScanning, strings.Replace(cs, `"status": "success"`, `"status": "done"`, 1)},
		"cs no vendor name":       {TypeContainerScanning, strings.Replace(cs, `"vendor": {"name": "GitLab"}`, `"vendor": {}`, 1)},
		"cs no operating system":  {TypeContainerScanning, strings.Replace(cs, `"operating_system": "debian 12.1",`, ``, 1)},
		"cs CVSS 4 vector":        {TypeContainerScanning, strings.Replace(cs, `CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H`, `CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N`, 1)},
		"ds no identifiers":       {TypeDependencyScanning, strings.Replace(ds, `"identifiers": [`, `"identifiers": [], "x": [`, 1)},
		"ds no location file":     {TypeDependencyScanning, strings.Replace(ds, `"file": "web/package-lock.json",`, ``, 1)},
		"ds identifier no value":  {TypeDependencyScanning, strings.Replace(ds, `"value": "CVE-2022-41717"`, `"url": "https://example.org"`, 1)},
		"ds link not a url":       {TypeDependencyScanning, strings.Replace(ds, `{"url": "https://nvd.nist.gov`, `{"url": "nvd.nist.gov`, 1)},
		"ds long name":            {TypeDependencyScanning, strings.Replace(ds, `"Prototype Pollution in lodash"`, `"`+strings.Repeat("n", 256)+`"`, 1)},
	} {
		t.Run(name, func(t *testing.T) {
			if tc.doc == cs || tc.doc == ds {
				t.Fatal("mutation did not change the fixture")
			}
			err := Validate(tc.reportType, []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), "does not match schema") {
				t.Fatalf("err = %v, want a schema mismatch", err)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	cs := string(readFixture(t, "gl-container-scanning-report.json"))
	ds := string(readFixture(t, "gl-dependency-scanning-report.json"))
	noDepFiles := ds[:strings.Index(ds, `,
  "dependency_files"`)] + "\n}\n"
	for name, tc := range map[string]struct {
		reportType, doc string
	}{
		"cs fixture":             {TypeContainerScanning, cs},
		"ds fixture":             {TypeDependencyScanning, ds},
		"ds no dependency_files": {TypeDependencyScanning, noDepFiles},
		"cs later 15.x":          {TypeContainerScanning, strings.Replace(cs, `"version": "15.0.7"`, `"version": "15.2.1"`, 1)},
		"cs CVSS 2 vector":       {TypeContainerScanning, strings.Replace(cs, `CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H`, `AV:N/AC:L/Au:N/C:P/I:P/A:P`, 1)},
		"cs failed scan":         {TypeContainerScanning, strings.Replace(cs, `"status": "success"`, `"status": "failure"`, 1)},
	} {
		t.Run(name, func(t *testing.T) {
			if err := Validate(tc.reportType, []byte(tc.doc)); err != nil {
				t.Fatal(err)
			}
		})
	}
	if err := Validate("sast", []byte(cs)); err == nil {
		t.Fatal("sast report type accepted")
	}
}
