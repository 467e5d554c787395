package dockerfile

import (
	"strings"
	"testing"
)

func TestCandidates(t *testing.T) {
	tags := []string{
		"3.19", "3.19.0", "3.19.1", "3.19.2", "3.19.4", "3.20.0", "3.20", "latest", "edge",
		"1.22.3-alpine3.19", "1.22.5-alpine3.19", "1.22.5-alpine3.20", "1.22.4-alpine3.19", "1.23.0-alpine3.19", "1.22.5",
		"bookworm-20240513-slim", "bookworm-20240701-slim", "bookworm-20240701", "bullseye-20240701-slim", "20240601",
	}
	for _, tc := range []struct{ tag, want string }{
		{"3.19.1", "3.19.4,3.19.2"},
		{"3.19.4", ""},
		{"1.22.3-alpine3.19", "1.22.5-alpine3.19,1.22.4-alpine3.19"},
		{"bookworm-20240513-slim", "bookworm-20240701-slim"},
		{"20240101", "20240601"},
		{"3.19", ""}, // floating: rebuilt, not bumped
		{"latest", ""},
	} {
		if got := strings.Join(Candidates(tc.tag, tags), ","); got != tc.want {
			t.Errorf("Candidates(%q) = %q, want %q", tc.tag, got, tc.want)
		}
	}
}

func FuzzCandidates(f *testing.F) {
	f.Add("3.19.1", "3.19.4")
	f.Add("1.22.3-alpine3.19", "1.22.5-alpine3.19")
	f.Add("bookworm-20240513-slim", "bookworm-20240701-slim")
	f.Fuzz(func(t *testing.T, tag, other string) {
		for _, c := range Candidates(tag, []string{other, tag}) {
			if c == tag {
				t.Fatalf("Candidates(%q) offers the tag itself", tag)
			}
			if len(tokenRE.FindAllString(c, -1)) != len(tokenRE.FindAllString(tag, -1)) {
				t.Fatalf("candidate %q changes the shape of %q", c, tag)
			}
		}
	})
}

func TestParse(t *testing.T) {
	df, err := Parse([]byte("ARG BASE=alpine\nARG TAG=3.19.1\nFROM golang:1.22.3 AS build\nFROM ${BASE}:${TAG}\nCOPY --from=build /a /a\nFROM build AS again\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range df.Froms {
		got = append(got, f.Image+"|"+f.Stage+"|"+map[bool]string{true: "stage", false: "image"}[f.StageRef])
	}
	if want := "golang:1.22.3|build|image,alpine:3.19.1||image,build|again|stage"; strings.Join(got, ",") != want {
		t.Errorf("Froms = %s, want %s", strings.Join(got, ","), want)
	}
	if err := df.SetImage(df.Froms[1], "alpine:3.19.4"); err == nil {
		t.Error("SetImage rewrote a reference built from two ARGs; want an error")
	}
}

func TestSetImage(t *testing.T) {
	for _, tc := range []struct{ name, in, image, want string }{
		{"literal", "FROM alpine:3.19.1 AS run\n", "alpine:3.19.4", "FROM alpine:3.19.4 AS run\n"},
		{"arg", "ARG TAG=3.19.1\nFROM alpine:${TAG}\n", "alpine:3.19.4", "ARG TAG=3.19.4\nFROM alpine:${TAG}\n"},
		{"quoted arg", "ARG IMG=\"alpine:3.19.1\"\nFROM $IMG\n", "alpine:3.19.4", "ARG IMG=\"alpine:3.19.4\"\nFROM $IMG\n"},
		{"platform", "FROM --platform=$BUILDPLATFORM alpine:3.19.1\n", "alpine:3.19.4", "FROM --platform=$BUILDPLATFORM alpine:3.19.4\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			df, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if err := df.SetImage(df.Froms[len(df.Froms)-1], tc.image); err != nil {
				t.Fatal(err)
			}
			if got := string(df.Bytes()); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("ARG V=1\nFROM a:${V} AS b\nFROM b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		df, err := Parse(data)
		if err != nil {
			return
		}
		if string(df.Bytes()) != string(data) {
			t.Fatalf("unedited file does not round-trip")
		}
		for _, from := range df.Froms {
			_ = df.SetImage(from, "alpine:3.19.4")
		}
	})
}
