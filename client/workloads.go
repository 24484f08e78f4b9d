package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/shoal-dev/shoal/api"
)

// postWrite sends a POST that writes one object to path and returns
// what the server reports: the object's key, the action and the
// resourceVersion written (writes do not answer with the object; Get it).
func (c *Client) postWrite(ctx context.Context, path string, q url.Values) (api.AppliedObject, error) {
	var out struct {
		Items []api.AppliedObject `json:"items"`
	}
	if err := c.do(ctx, http.MethodPost, path, q, nil, &out); err != nil {
		return api.AppliedObject{}, err
	}
	if len(out.Items) != 1 {
		return api.AppliedObject{}, fmt.Errorf("POST %s: got %d objects reported, want 1", path, len(out.Items))
	}
	return out.Items[0], nil
}

// Cordon marks a node unschedulable (or schedulable again with false).
func (c *Client) Cordon(ctx context.Context, node string, unschedulable bool) (api.AppliedObject, error) {
	verb := "cordon"
	if !unschedulable {
		verb = "uncordon"
	}
	return c.postWrite(ctx, "/v1/nodes/"+url.PathEscape(node)+"/"+verb, nil)
}

// Evict deletes a pod so that its controller replaces it elsewhere,
// unless its PodDisruptionBudget refuses for now (IsTooManyRequests).
func (c *Client) Evict(ctx context.Context, namespace, pod string) error {
	return c.do(ctx, http.MethodPost, "/v1/pods/"+url.PathEscape(pod)+"/eviction", nsQuery(namespace), nil, nil)
}

// Scale sets the replicas of a Deployment or StatefulSet.
func (c *Client) Scale(ctx context.Context, resource, namespace, name string, replicas int) (api.AppliedObject, error) {
	q := nsQuery(namespace)
	q.Set("replicas", strconv.Itoa(replicas))
	return c.postWrite(ctx, "/v1/"+url.PathEscape(resource)+"/"+url.PathEscape(name)+"/scale", q)
}

// RolloutRestart replaces every pod of a workload through a rollout.
func (c *Client) RolloutRestart(ctx context.Context, resource, namespace, name string) (api.AppliedObject, error) {
	return c.postWrite(ctx, "/v1/"+url.PathEscape(resource)+"/"+url.PathEscape(name)+"/rollout/restart", nsQuery(namespace))
}

// RolloutUndo takes a Deployment back to an earlier revision (0: the
// previous one).
func (c *Client) RolloutUndo(ctx context.Context, namespace, name string, toRevision int64) (api.AppliedObject, error) {
	q := nsQuery(namespace)
	if toRevision > 0 {
		q.Set("toRevision", strconv.FormatInt(toRevision, 10))
	}
	return c.postWrite(ctx, "/v1/deployments/"+url.PathEscape(name)+"/rollout/undo", q)
}
