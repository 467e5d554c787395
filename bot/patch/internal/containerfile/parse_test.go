package containerfile

import (
	"strings"
	"testing"
)

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
