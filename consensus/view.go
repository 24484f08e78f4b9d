package consensus

import "github.com/shoal-dev/shoal/view"

// The Store is the replica behind view.View: everything outside consensus
// reads cluster state through that interface.
var _ view.View = (*Store)(nil)
