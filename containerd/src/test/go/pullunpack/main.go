// pullunpack pulls an image and unpacks it as containerd's CRI plugin and nerdctl do: through
// the client's Pull with WithPullUnpack, whose unpacker labels each layer snapshot it prepares with
// containerd.io/snapshot.ref (the remote-snapshot handshake). ctr 1.6's `image pull` and `image
// import` unpack through image.Unpack instead, which sets no such label.
//
//	pullunpack CONTAINERD_SOCKET NAMESPACE SNAPSHOTTER REF
//
// Registries are spoken to over plain HTTP (a local registry). Prints the seconds Pull took.
//
// Build in GOPATH mode against Debian's golang-github-containerd-containerd-dev:
//
//	GO111MODULE=off GOPATH=/tmp/gopath:/usr/share/gocode go build -o pullunpack .
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/remotes/docker"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: pullunpack CONTAINERD_SOCKET NAMESPACE SNAPSHOTTER REF")
		os.Exit(2)
	}
	client, err := containerd.New(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pullunpack:", err)
		os.Exit(1)
	}
	defer client.Close()
	ctx := namespaces.WithNamespace(context.Background(), os.Args[2])
	resolver := docker.NewResolver(docker.ResolverOptions{
		Hosts: docker.ConfigureDefaultRegistries(docker.WithPlainHTTP(docker.MatchAllHosts)),
	})
	start := time.Now()
	if _, err := client.Pull(ctx, os.Args[4],
		containerd.WithPullUnpack,
		containerd.WithPullSnapshotter(os.Args[3]),
		containerd.WithResolver(resolver)); err != nil {
		fmt.Fprintln(os.Stderr, "pullunpack:", err)
		os.Exit(1)
	}
	fmt.Printf("%.3f\n", time.Since(start).Seconds())
}
