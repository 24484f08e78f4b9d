package agent

import "github.com/shoal-dev/shoal/agent/apiserver"

// credentials checks the secrets users and joiners present.
func (a *Agent) credentials() apiserver.Credentials { return tokenCredentials{a} }

// tokenCredentials accepts the join token's secret for both roles.
type tokenCredentials struct{ a *Agent }

func (c tokenCredentials) Admin(secret string) bool { return c.a.id.Token.SecretMatches(secret) }
func (c tokenCredentials) Join(secret string) bool  { return c.a.id.Token.SecretMatches(secret) }
