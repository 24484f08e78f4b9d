package leader

import (
	"context"
	"errors"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// recordSettings writes the ClusterConfig from this agent's own settings
// if the cluster has none yet: a new cluster's first leader does it, and
// so does the first leader of a cluster made before ClusterConfig existed.
// Leader only; the write is a create, so a lost race changes nothing.
func (l *Leader) recordSettings(ctx context.Context) {
	if _, ok := l.cfg.View.Get("ClusterConfig", "", api.ClusterConfigName); ok {
		return
	}
	obj, err := api.New("ClusterConfig")
	if err != nil {
		panic(err) // registered in api
	}
	cc := obj.(*api.ClusterConfig)
	cc.Name, cc.ResourceVersion, cc.Spec = api.ClusterConfigName, "0", l.cfg.OwnSettings
	_, err = l.cfg.Proposer.Propose(ctx, consensus.Put{Objects: []api.Object{cc}, Mode: consensus.ModeReplace, Time: time.Now()})
	switch {
	case errors.Is(err, consensus.ErrConflict):
	case err != nil:
		l.log.Warn("record the cluster's settings", "err", err)
	default:
		l.log.Info("recorded the cluster's settings")
	}
}
