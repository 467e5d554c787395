// Command vulnapp is a deliberately vulnerable Go program: it pins old
// golang.org/x/text and golang.org/x/net releases with real, published
// vulnerabilities, and calls the vulnerable functions so that symbol-aware
// matching keeps them. Scans of the demo image find real issues with real
// fix versions.
package main

import (
	"fmt"
	"net/http"
	"os"

	"golang.org/x/net/html"
	"golang.org/x/net/http2"
	"golang.org/x/text/language"
)

func main() {
	tags, _, err := language.ParseAcceptLanguage(os.Getenv("ACCEPT_LANGUAGE"))
	if err != nil || len(tags) == 0 {
		tags = []language.Tag{language.English}
	}
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		srv := &http.Server{Addr: ":8080"}
		if err := http2.ConfigureServer(srv, &http2.Server{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, srv.ListenAndServeTLS("cert.pem", "key.pem"))
		os.Exit(1)
	}
	doc, err := html.Parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(tags[0], doc.Type)
}
