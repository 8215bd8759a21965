package cluster

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"

	"github.com/nats-io/nats-server/v2/server"
)

// The server's accounts: hosts and masters in one, and the system account,
// where the server announces connections that close. A master subscribes
// there to learn within milliseconds that a host's connection closed.
const (
	appAccount = "SHMRUN"
	sysAccount = "SYS"
	sysUser    = "shmrun-sys"
)

// auth admits clients that present the token into the application
// account, and clients that present the system password (derived from the
// token, so a master that knows the token knows it) into the system
// account. With no token (a server on loopback only), every client is
// admitted to the application account.
type auth struct {
	token    []byte
	sysPass  []byte
	app, sys *server.Account
}

func newAuth(token string) *auth {
	return &auth{token: []byte(token), sysPass: []byte(sysPassword(token))}
}

// Check is server.Authentication's.
func (a *auth) Check(c server.ClientAuthentication) bool {
	o := c.GetOpts()
	switch {
	case o.Username == sysUser:
		if !equal(o.Password, a.sysPass) {
			return false
		}
		c.RegisterUser(&server.User{Username: sysUser, Account: a.sys})
	case len(a.token) == 0 || equal(o.Token, a.token):
		c.RegisterUser(&server.User{Username: "shmrun", Account: a.app})
	default:
		return false
	}
	return true
}

func equal(s string, want []byte) bool {
	return subtle.ConstantTimeCompare([]byte(s), want) == 1
}

// sysPassword derives the system account's password from the token.
func sysPassword(token string) string {
	return hex.EncodeToString(mac(token, "shmrun system account"))
}

// mac is HMAC-SHA256 of msg keyed with the token.
func mac(token, msg string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte(msg))
	return m.Sum(nil)
}
