// Runs containerd's content store suite (content/testsuite, containerd 1.6) against stratad's
// containerd socket through containerd's content/proxy client; see strata_snapshotter_test.go for
// how to build and run.
package strata_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	contentapi "github.com/containerd/containerd/api/services/content/v1"
	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/content/proxy"
	"github.com/containerd/containerd/content/testsuite"
	"github.com/containerd/containerd/namespaces"
)

var contentCases int64

// TestStrataContentStore runs containerd's content store suite (content/testsuite) through
// containerd's content/proxy client, each case in a namespace of its own.
func TestStrataContentStore(t *testing.T) {
	conn := dial(t)
	store := proxy.NewContentStore(contentapi.NewContentClient(conn))
	testsuite.ContentSuite(t, "strata", func(ctx context.Context, root string) (context.Context, content.Store, func() error, error) {
		ns := fmt.Sprintf("content-%d-%d", os.Getpid(), atomic.AddInt64(&contentCases, 1))
		return namespaces.WithNamespace(ctx, ns), store, func() error { return nil }, nil
	})
}
