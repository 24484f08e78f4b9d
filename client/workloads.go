package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// postObject sends a POST to path and decodes the object answered.
func (c *Client) postObject(ctx context.Context, path string, q url.Values) (api.Object, error) {
	var raw json.RawMessage
	if err := c.do(ctx, http.MethodPost, path, q, nil, &raw); err != nil {
		return nil, err
	}
	return api.DecodeObject(raw, api.DecodeOptions{Stored: true})
}

// Cordon marks a node unschedulable (or schedulable again with false).
func (c *Client) Cordon(ctx context.Context, node string, unschedulable bool) (*api.Node, error) {
	verb := "cordon"
	if !unschedulable {
		verb = "uncordon"
	}
	obj, err := c.postObject(ctx, "/v1/nodes/"+url.PathEscape(node)+"/"+verb, nil)
	if err != nil {
		return nil, err
	}
	n, ok := obj.(*api.Node)
	if !ok {
		return nil, fmt.Errorf("%s: got a %T back", verb, obj)
	}
	return n, nil
}

// Evict deletes a pod so that its controller replaces it elsewhere.
func (c *Client) Evict(ctx context.Context, namespace, pod string) error {
	return c.do(ctx, http.MethodPost, "/v1/pods/"+url.PathEscape(pod)+"/eviction", nsQuery(namespace), nil, nil)
}

// Scale sets the replicas of a Deployment or StatefulSet.
func (c *Client) Scale(ctx context.Context, resource, namespace, name string, replicas int) (api.Object, error) {
	q := nsQuery(namespace)
	q.Set("replicas", strconv.Itoa(replicas))
	return c.postObject(ctx, "/v1/"+url.PathEscape(resource)+"/"+url.PathEscape(name)+"/scale", q)
}

// RolloutRestart replaces every pod of a workload through a rollout.
func (c *Client) RolloutRestart(ctx context.Context, resource, namespace, name string) (api.Object, error) {
	return c.postObject(ctx, "/v1/"+url.PathEscape(resource)+"/"+url.PathEscape(name)+"/rollout/restart", nsQuery(namespace))
}

// RolloutUndo takes a Deployment back to an earlier revision (0: the
// previous one).
func (c *Client) RolloutUndo(ctx context.Context, namespace, name string, toRevision int64) (api.Object, error) {
	q := nsQuery(namespace)
	if toRevision > 0 {
		q.Set("toRevision", strconv.FormatInt(toRevision, 10))
	}
	return c.postObject(ctx, "/v1/deployments/"+url.PathEscape(name)+"/rollout/undo", q)
}
