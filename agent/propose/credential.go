package propose

import "context"

// authorizationKey keys the user's Authorization header in a context.
type authorizationKey struct{}

// WithAuthorization returns ctx carrying a user's Authorization header
// (e.g. "Bearer SHOAL-1-..."). A command proposed under it and forwarded
// to the leader carries the header too, so the leader authorizes it as
// that user's write; without it a forwarded command is a node write,
// which the leader restricts to what the forwarding node may write.
func WithAuthorization(ctx context.Context, header string) context.Context {
	if header == "" {
		return ctx
	}
	return context.WithValue(ctx, authorizationKey{}, header)
}

// Authorization is the user's Authorization header ctx carries, or "".
func Authorization(ctx context.Context) string {
	h, _ := ctx.Value(authorizationKey{}).(string)
	return h
}
