package main

import "golang.org/x/text/language"

// The owners' code does not compile: no version of x/text makes it build.
var tag int = language.English

func main() {}
