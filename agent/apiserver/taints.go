package apiserver

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// taint serves POST /v1/nodes/{name}/taint?change=C&change=C…, each C a
// kubectl taint argument (key=value:Effect to add or replace,
// key:Effect- or key- to remove), applied in order in one write.
func (s *Server) taint(w http.ResponseWriter, r *http.Request) {
	args := r.URL.Query()["change"]
	if len(args) == 0 {
		writeError(w, http.StatusBadRequest, errors.New("no taint changes: want change=key=value:Effect or change=key:Effect-"))
		return
	}
	var changes []api.TaintChange
	for _, a := range args {
		c, err := api.ParseTaintChange(a)
		if err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		changes = append(changes, c)
	}
	key := api.Key{Kind: "Node", Name: r.PathValue("name")}
	obj, err := s.modify(r.Context(), key, consensus.ModeReplace, func(o api.Object) error {
		n := o.(*api.Node)
		taints, err := api.ApplyTaintChanges(n.Spec.Taints, changes)
		if err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		now := time.Now().UTC().Truncate(time.Second)
		for i := range taints {
			if taints[i].Effect == api.TaintNoExecute && taints[i].TimeAdded == nil {
				taints[i].TimeAdded = &now
			}
		}
		n.Spec.Taints = taints
		return api.Validate(n)
	})
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	writeWritten(w, obj, "tainted")
}
