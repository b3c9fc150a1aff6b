//go:build unix

package interrupt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

const helperEnv = "KUBELOGIN_INTERRUPT_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		helper()
		return
	}
	os.Exit(m.Run())
}

// helper stands in for get-token with a cleanup that never finishes: after the first signal it reports the
// cancellation and then blocks, as a hung provider would.
func helper() {
	ctx, stop := NotifyContext(context.Background())
	defer stop()
	fmt.Println("ready")
	<-ctx.Done()
	fmt.Println("cancelled:", context.Cause(ctx))
	select {}
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), helperEnv+"=1", "GORACE=atexit_sleep_ms=0")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			lines := bufio.NewReader(stdout)
			expect := func(want string) {
				t.Helper()
				line, err := lines.ReadString('\n')
				if err != nil || !strings.HasPrefix(line, want) {
					t.Fatalf("helper said %q (%v), want %q", line, err, want)
				}
			}
			expect("ready")
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			expect("cancelled: " + ErrInterrupted.Error())
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err = cmd.Wait()
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) || exitErr.ExitCode() != 128+int(sig) {
				t.Fatalf("after the second %v the helper ended with %v, want exit status %d", sig, err, 128+int(sig))
			}
		})
	}
}

func TestStopReleases(t *testing.T) {
	ctx, stop := NotifyContext(t.Context())
	stop()
	stop() // idempotent
	if ctx.Err() == nil {
		t.Fatal("stop did not cancel the context")
	}
	if errors.Is(context.Cause(ctx), ErrInterrupted) {
		t.Fatal("stop is not an interrupt")
	}
}
