package main

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/ssh"
	"golang.org/x/net/html"
)

func main() {
	_, _ = html.Parse(nil)
	_ = ssh.KeyAlgoED25519
	r := gin.New()
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	_ = r.Run()
}
