package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// DeleteOptions tune a delete, as kubectl's flags do.
type DeleteOptions struct {
	// GracePeriodSeconds, if set, replaces each pod's own
	// terminationGracePeriodSeconds; 0 removes pods at once without
	// waiting for their node to stop them (a forced delete).
	GracePeriodSeconds *int64
}

func (o DeleteOptions) query(namespace string) url.Values {
	q := nsQuery(namespace)
	if o.GracePeriodSeconds != nil {
		q.Set("gracePeriodSeconds", strconv.FormatInt(*o.GracePeriodSeconds, 10))
	}
	return q
}

// DeleteWith deletes one object with opts. A pod that runs on a node is
// not gone when this returns: it is Terminating until its node stopped it.
func (c *Client) DeleteWith(ctx context.Context, resource, namespace, name string, opts DeleteOptions) error {
	return c.do(ctx, http.MethodDelete, "/v1/"+url.PathEscape(resource)+"/"+url.PathEscape(name), opts.query(namespace), nil, nil)
}

// DeleteManifestWith deletes the objects a manifest names with opts; as
// in ApplyIn, objects that name no namespace are looked for in namespace
// ("" for "default").
func (c *Client) DeleteManifestWith(ctx context.Context, manifest []byte, namespace string, opts DeleteOptions) ([]api.AppliedObject, error) {
	var out struct {
		Items []api.AppliedObject `json:"items"`
	}
	err := c.do(ctx, http.MethodPost, "/v1/delete", opts.query(namespace), manifest, &out)
	return out.Items, err
}
