// Runs containerd's own snapshotter test suite (snapshots/testsuite, containerd 1.6) against
// stratad's containerd socket through containerd's snapshots/proxy client, exactly as containerd
// talks to a proxy snapshotter plugin.
//
// Build and run in GOPATH mode against Debian's golang-github-containerd-containerd-dev:
//
//	GO111MODULE=off GOPATH=$PWD/gopath:/usr/share/gocode \
//	  STRATA_CONTAINERD_SOCKET=/path/to.sock go test -v -test.root .
//
// Each suite case gets a namespace of its own, so that the cases (which run in parallel and reuse
// keys such as "preparing" and "committed") stay apart on the one server.
package strata_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	snapshotsapi "github.com/containerd/containerd/api/services/snapshots/v1"
	"github.com/containerd/containerd/mount"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/snapshots"
	"github.com/containerd/containerd/snapshots/proxy"
	"github.com/containerd/containerd/snapshots/testsuite"
	"google.golang.org/grpc"
)

var cases int64

func TestStrataSnapshotter(t *testing.T) {
	conn := dial(t)
	client := snapshotsapi.NewSnapshotsClient(conn)
	testsuite.SnapshotterSuite(t, "strata", func(ctx context.Context, root string) (snapshots.Snapshotter, func() error, error) {
		ns := fmt.Sprintf("suite-%d-%d", os.Getpid(), atomic.AddInt64(&cases, 1))
		return &inNamespace{proxy.NewSnapshotter(client, "strata"), ns}, nil, nil
	})
}

// dial connects to stratad's containerd socket, named by $STRATA_CONTAINERD_SOCKET; the
// connection closes when the test and all its (parallel) subtests are done.
func dial(t *testing.T) *grpc.ClientConn {
	sock := os.Getenv("STRATA_CONTAINERD_SOCKET")
	if sock == "" {
		t.Fatal("STRATA_CONTAINERD_SOCKET must name stratad's --containerd-socket")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := grpc.DialContext(ctx, sock,
		grpc.WithInsecure(),
		grpc.WithBlock(),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", addr)
		}))
	if err != nil {
		t.Fatalf("dial %s: %v", sock, err)
	}
	// Parallel subtests run after the test function returns: close only after them.
	t.Cleanup(func() { conn.Close() })
	return conn
}

// inNamespace runs every call of one suite case in that case's own namespace.
type inNamespace struct {
	sn snapshots.Snapshotter
	ns string
}

func (s *inNamespace) in(ctx context.Context) context.Context {
	return namespaces.WithNamespace(ctx, s.ns)
}

func (s *inNamespace) Stat(ctx context.Context, key string) (snapshots.Info, error) {
	return s.sn.Stat(s.in(ctx), key)
}

func (s *inNamespace) Update(ctx context.Context, info snapshots.Info, fieldpaths ...string) (snapshots.Info, error) {
	return s.sn.Update(s.in(ctx), info, fieldpaths...)
}

func (s *inNamespace) Usage(ctx context.Context, key string) (snapshots.Usage, error) {
	return s.sn.Usage(s.in(ctx), key)
}

func (s *inNamespace) Mounts(ctx context.Context, key string) ([]mount.Mount, error) {
	return s.sn.Mounts(s.in(ctx), key)
}

func (s *inNamespace) Prepare(ctx context.Context, key, parent string, opts ...snapshots.Opt) ([]mount.Mount, error) {
	return s.sn.Prepare(s.in(ctx), key, parent, opts...)
}

func (s *inNamespace) View(ctx context.Context, key, parent string, opts ...snapshots.Opt) ([]mount.Mount, error) {
	return s.sn.View(s.in(ctx), key, parent, opts...)
}

func (s *inNamespace) Commit(ctx context.Context, name, key string, opts ...snapshots.Opt) error {
	return s.sn.Commit(s.in(ctx), name, key, opts...)
}

func (s *inNamespace) Remove(ctx context.Context, key string) error {
	return s.sn.Remove(s.in(ctx), key)
}

func (s *inNamespace) Walk(ctx context.Context, fn snapshots.WalkFunc, filters ...string) error {
	return s.sn.Walk(s.in(ctx), fn, filters...)
}

func (s *inNamespace) Close() error {
	return s.sn.Close()
}
