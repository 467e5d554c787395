package main

import (
	"fmt"

	"golang.org/x/text/transform"
)

func main() { s, _, _ := transform.String(transform.Nop, "vigil"); fmt.Println(s) }
