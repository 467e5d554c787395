package main

import (
	"fmt"

	"golang.org/x/net/idna"
)

func main() { fmt.Println(idna.ToASCII("vigil.example")) }
