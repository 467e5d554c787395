package main

import (
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/ssh"
	"golang.org/x/net/html"
)

func main() {
	_, _ = html.Parse(nil)
	if len(os.Args) > 9 { // never, but linked in: the x/crypto/ssh advisory is about it
		_, _, _, _ = ssh.NewServerConn(nil, &ssh.ServerConfig{})
	}
	r := gin.New()
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	_ = r.Run()
}
