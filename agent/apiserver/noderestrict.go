package apiserver

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// Node restriction, as Kubernetes' NodeRestriction admission plugin: a
// write a node sends under its own certificate (not a user's, forwarded)
// may touch only what the node must write, judged against the leader's
// replica, never against what the command claims:
//
//   - the status (Put ModeStatus) of pods bound to it, naming the pod's
//     uid, and of its own Node;
//   - Events (Put ModeReplace) it is the source of, about such a pod (in
//     the pod's namespace) or about its own Node (in "default"), never
//     over another source's Event;
//   - the removal (plain Delete) of such pods, guarded by their uid, and
//     of Events about them or from it.
//
// Everything else is refused: other kinds, ModeApply, specs and
// metadata, graceful deletes, Nodes of other nodes, the cluster's
// settings. What it may write is validated as a user write would be.

// objectGetter reads stored objects: the leader's replica (a
// consensus.Store, or any view.View).
type objectGetter interface {
	Get(kind, namespace, name string) (api.Object, bool)
}

// nodeEventNamespace is where Events about a Node live.
const nodeEventNamespace = "default"

// authorizeNodeWrite reports why node may not commit cmd: a forbidden
// error naming the node, the object and the reason, or a badRequest
// when what it may write is invalid; the first refusal of a command's
// objects, so the answer stays short. nil means it may.
func authorizeNodeWrite(st objectGetter, node string, cmd consensus.Command) error {
	if node == "" {
		return forbidden{errors.New("a write without a node name in its certificate is refused")}
	}
	switch c := cmd.(type) {
	case consensus.Put:
		return authorizeNodePut(st, node, c)
	case consensus.Delete:
		return authorizeNodeDelete(st, node, c)
	}
	return forbidden{fmt.Errorf("node %s may not commit a %T", node, cmd)}
}

func authorizeNodePut(st objectGetter, node string, p consensus.Put) error {
	for _, obj := range p.Objects {
		if obj == nil {
			return badRequest{errors.New("put: a nil object")}
		}
		var err error
		switch p.Mode {
		case consensus.ModeStatus:
			err = authorizeStatus(st, node, obj)
		case consensus.ModeReplace:
			err = authorizeEvent(st, node, obj)
		default:
			err = forbidden{fmt.Errorf("node %s may not %s %s: a node writes only statuses and events", node, verbOf(p.Mode), describe(api.KeyOf(obj)))}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// verbOf names what a Put mode does, for messages.
func verbOf(m consensus.PutMode) string {
	switch m {
	case consensus.ModeApply:
		return "apply"
	case consensus.ModeReplace:
		return "replace"
	}
	return fmt.Sprintf("write (mode %q)", truncate(string(m), 20))
}

// authorizeStatus lets node write the status of a pod bound to it, named
// by uid, or of its own Node.
func authorizeStatus(st objectGetter, node string, obj api.Object) error {
	key := api.KeyOf(obj)
	switch in := obj.(type) {
	case *api.Pod:
		if in.UID == "" {
			return forbidden{fmt.Errorf("node %s may not write the status of %s without naming its uid", node, describe(key))}
		}
		o, ok := st.Get("Pod", key.Namespace, key.Name)
		if !ok {
			// Nothing to write to: the store answers "not found", as
			// it does for a pod deleted while its status was on the
			// way. The uid keeps a pod created meanwhile out of reach.
			return nil
		}
		stored := o.(*api.Pod)
		if bound := stored.Spec.NodeName; bound != node {
			return forbidden{fmt.Errorf("node %s may not write the status of %s, %s", node, describe(key), boundTo(bound))}
		}
		would := api.DeepCopy(stored)
		would.Status = in.Status
		return validStatus(key, would)
	case *api.Node:
		if key.Name != node {
			return forbidden{fmt.Errorf("node %s may not write the status of %s: only its own", node, describe(key))}
		}
		o, ok := st.Get("Node", "", key.Name)
		if !ok {
			return nil // not found, as above
		}
		would := api.DeepCopy(o.(*api.Node))
		would.Status = in.Status
		return validStatus(key, would)
	}
	return forbidden{fmt.Errorf("node %s may not write the status of %s: a node writes the status of its pods and its Node only", node, describe(key))}
}

// validStatus checks the object a status write would store, as a user
// write is checked; only problems in the status count: the rest is what
// is stored already, which validation rules added since may not accept.
func validStatus(key api.Key, would api.Object) error {
	var bad []string
	var list api.ErrorList
	if err := api.Validate(would); errors.As(err, &list) {
		for _, fe := range list {
			if fe.Field == "status" || strings.HasPrefix(fe.Field, "status.") {
				bad = append(bad, fe.Error())
			}
		}
	}
	if len(bad) > 0 {
		return badRequest{fmt.Errorf("status of %s: %s", describe(key), strings.Join(bad, "; "))}
	}
	return nil
}

// authorizeEvent lets node write an Event it is the source of, about a
// pod bound to it or about its own Node, unless another source's Event
// of that name is stored.
func authorizeEvent(st objectGetter, node string, obj api.Object) error {
	key := api.KeyOf(obj)
	ev, ok := obj.(*api.Event)
	if !ok {
		return forbidden{fmt.Errorf("node %s may not replace %s: a node writes only statuses and events", node, describe(key))}
	}
	if ev.Source.Host != node {
		return forbidden{fmt.Errorf("node %s may not write %s: its source host is %q, not %s", node, describe(key), truncate(ev.Source.Host, 64), node)}
	}
	if o, ok := st.Get("Event", key.Namespace, key.Name); ok {
		if host := o.(*api.Event).Source.Host; host != node {
			return forbidden{fmt.Errorf("node %s may not overwrite %s, reported by %q", node, describe(key), host)}
		}
	}
	if why := aboutOtherNode(st, node, key, ev.InvolvedObject); why != "" {
		return forbidden{fmt.Errorf("node %s may not write %s: %s", node, describe(key), why)}
	}
	if err := api.Validate(ev); err != nil {
		return badRequest{fmt.Errorf("%s: %w", describe(key), err)}
	}
	return nil
}

// aboutOtherNode says why an Event with key, about what about names, is
// not about a pod bound to node (in the pod's namespace) nor about node
// itself (in "default"); "" if it is.
func aboutOtherNode(st objectGetter, node string, key api.Key, about api.ObjectReference) string {
	switch about.Kind {
	case "Pod":
		pod := describe(api.Key{Kind: "Pod", Namespace: about.Namespace, Name: about.Name})
		if about.Namespace != key.Namespace {
			return fmt.Sprintf("it is about %s, in another namespace", pod)
		}
		o, ok := st.Get("Pod", about.Namespace, about.Name)
		if !ok {
			return fmt.Sprintf("it is about %s, which does not exist", pod)
		}
		if bound := o.(*api.Pod).Spec.NodeName; bound != node {
			return fmt.Sprintf("it is about %s, %s", pod, boundTo(bound))
		}
		return ""
	case "Node":
		if about.Name != node {
			return fmt.Sprintf("it is about node %s", truncate(about.Name, 64))
		}
		if key.Namespace != nodeEventNamespace {
			return "events about a node belong in namespace " + nodeEventNamespace
		}
		return ""
	}
	return fmt.Sprintf("it is about a %q, and a node reports only on its pods and itself", truncate(about.Kind, 32))
}

func authorizeNodeDelete(st objectGetter, node string, d consensus.Delete) error {
	if d.Grace != nil {
		return forbidden{fmt.Errorf("node %s may not delete gracefully: it removes only pods it has stopped", node)}
	}
	uids := make(map[api.Key]string, len(d.Preconditions))
	for _, p := range d.Preconditions {
		uids[p.Key] = p.UID
	}
	for _, key := range d.Keys {
		var err error
		switch key.Kind {
		case "Pod":
			err = authorizePodRemoval(st, node, key, uids[key])
		case "Event":
			err = authorizeEventRemoval(st, node, key)
		case "PersistentVolumeClaim":
			err = authorizeClaimRemoval(st, node, key, uids[key])
		default:
			err = forbidden{fmt.Errorf("node %s may not delete %s: a node removes only its pods and their events", node, describe(key))}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// authorizePodRemoval lets node remove a pod bound to it, guarded by uid.
func authorizePodRemoval(st objectGetter, node string, key api.Key, uid string) error {
	if uid == "" {
		return forbidden{fmt.Errorf("node %s may not delete %s without a uid precondition", node, describe(key))}
	}
	o, ok := st.Get("Pod", key.Namespace, key.Name)
	if !ok {
		return nil // the store answers "not found"; the uid guards the rest
	}
	if bound := o.(*api.Pod).Spec.NodeName; bound != node {
		return forbidden{fmt.Errorf("node %s may not delete %s, %s", node, describe(key), boundTo(bound))}
	}
	return nil
}

// authorizeEventRemoval lets node remove an Event it reported, or one
// about a pod bound to it or about itself.
func authorizeEventRemoval(st objectGetter, node string, key api.Key) error {
	o, ok := st.Get("Event", key.Namespace, key.Name)
	if !ok {
		return forbidden{fmt.Errorf("node %s may not delete %s: no such event", node, describe(key))}
	}
	ev := o.(*api.Event)
	if ev.Source.Host == node {
		return nil
	}
	if why := aboutOtherNode(st, node, key, ev.InvolvedObject); why != "" {
		return forbidden{fmt.Errorf("node %s may not delete %s: it was reported by %q and %s", node, describe(key), truncate(ev.Source.Host, 64), why)}
	}
	return nil
}

// describe names an object in messages: "pod default/web-1", "node n1".
func describe(key api.Key) string {
	name := truncate(key.Name, 80)
	if key.Namespace != "" {
		name = truncate(key.Namespace, 64) + "/" + name
	}
	return strings.ToLower(truncate(key.Kind, 32)) + " " + name
}

// boundTo says where a pod is bound, for messages.
func boundTo(node string) string {
	if node == "" {
		return "not bound to a node"
	}
	return "bound to " + node
}
