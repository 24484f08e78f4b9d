package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/shoal-dev/shoal/api"
)

// PatchMetadata sets or removes labels or annotations of one object
// (`label`, `annotate`).
func (c *Client) PatchMetadata(ctx context.Context, resource, namespace, name string, p api.MetadataPatch) (api.AppliedObject, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return api.AppliedObject{}, fmt.Errorf("metadata patch: %w", err)
	}
	var out struct {
		Items []api.AppliedObject `json:"items"`
	}
	path := "/v1/" + url.PathEscape(resource) + "/" + url.PathEscape(name) + "/metadata"
	if err := c.do(ctx, http.MethodPost, path, nsQuery(namespace), body, &out); err != nil {
		return api.AppliedObject{}, err
	}
	if len(out.Items) != 1 {
		return api.AppliedObject{}, fmt.Errorf("POST %s: got %d objects reported, want 1", path, len(out.Items))
	}
	return out.Items[0], nil
}
