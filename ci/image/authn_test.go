package image

import "github.com/google/go-containerregistry/pkg/authn"

type authnBasic struct{ user, pass string }

func (a *authnBasic) Authorization() (*authn.AuthConfig, error) {
	return &authn.AuthConfig{Username: a.user, Password: a.pass}, nil
}
