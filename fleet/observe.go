package fleet

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// An Observer hears of every round trip to Redis: what it did (a script's
// name, a command's, or "pipeline"), how long it took, and whether it
// failed. It must be quick and safe for concurrent use.
type Observer func(op string, took time.Duration, err error)

// scriptNames names the scripts by their SHA-1, as EVALSHA sends them.
var scriptNames = map[string]string{}

func init() {
	for name, s := range map[string]*redis.Script{"rate": gcraScript, "reserve": reserveScript, "admit": admitScript, "settle": settleScript,
		"usage": usageScript, "create_user": createUserScript, "create_key": createKeyScript, "revoke_key": revokeKeyScript,
		"set_tier": setTierScript, "find_key": findKeyScript, "touch_keys": touchKeysScript, "audit_add": auditAddScript,
		"audit_page": auditPageScript} {
		scriptNames[s.Hash()] = name
	}
}

// observing times every command and pipeline the client sends.
type observing struct{ observe Observer }

func (observing) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (o observing) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		o.observe(opName(cmd), time.Since(start), failure(err))
		return err
	}
}

func (o observing) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		op := "pipeline"
		if len(cmds) > 0 {
			op = "pipeline:" + opName(cmds[0])
		}
		o.observe(op, time.Since(start), failure(err))
		return err
	}
}

// opName is a command's name, or its script's.
func opName(cmd redis.Cmder) string {
	name := cmd.Name()
	if name == "evalsha" || name == "eval" {
		if args := cmd.Args(); len(args) > 1 {
			if s, ok := args[1].(string); ok {
				if script, ok := scriptNames[s]; ok {
					return script
				}
				if name == "eval" {
					return "eval"
				}
			}
		}
	}
	return strings.ToLower(name)
}

// failure is err unless it only says a key was missing, or that a
// restarted Redis must be given a script again (which is done at once).
func failure(err error) error {
	if errors.Is(err, redis.Nil) || isNoScript(err) {
		return nil
	}
	return err
}
