package caddymodule

import (
	"errors"
	"fmt"
	"os"
	"time"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/fleet"
	"github.com/keinetech/kaine/metering"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "fleet",
		Short: "Moves a single gateway's accounts into a fleet's Redis",
		Long: `Moves a stopped single gateway's users, keys (their hashes: secrets are
never stored) and the last 30 days of usage into a fleet's Redis, once,
keeping their IDs. A fleet that has any user already is refused.

  kaine fleet import --from kaine-data/kaine.db --redis redis://host:6379/0 [--password P] [--prefix kaine]

The password may also come from REDIS_PASSWORD.`,
		CobraFunc: func(c *cobra.Command) {
			cmd := &cobra.Command{Use: "import", Short: "Imports a stopped gateway's accounts into an empty fleet", Args: cobra.NoArgs}
			cmd.Flags().String("from", "", "the single gateway's storage file (its kaine.db)")
			cmd.Flags().String("redis", "", "the fleet's Redis: redis://host:port/db or rediss://")
			cmd.Flags().String("password", "", "the Redis password (default: $REDIS_PASSWORD)")
			cmd.Flags().String("prefix", "", "the fleet's key prefix (default: kaine)")
			cmd.RunE = func(c *cobra.Command, _ []string) error {
				fl := caddycmd.Flags{FlagSet: c.Flags()}
				if err := required(fl, "from", "redis"); err != nil {
					return err
				}
				c.SilenceUsage = true
				password := fl.String("password")
				if password == "" {
					password = os.Getenv("REDIS_PASSWORD")
				}
				n, err := importIntoFleet(fl.String("from"), fleet.Options{URL: fl.String("redis"), Password: password, Prefix: fl.String("prefix"),
					Timeout: 10 * time.Second})
				if err != nil {
					return err
				}
				fmt.Printf("{\"imported_users\":%d,\"imported_keys\":%d}\n", n.users, n.keys)
				return nil
			}
			c.AddCommand(cmd)
		},
	})
}

type imported struct{ users, keys int }

// importIntoFleet reads a stopped gateway's storage and imports it.
func importIntoFleet(path string, o fleet.Options) (imported, error) {
	if _, err := os.Stat(path); err != nil {
		return imported{}, fmt.Errorf("reading %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return imported{}, fmt.Errorf("%s is locked by a running kaine: stop it first (kaine stop)", path)
	}
	if err != nil {
		return imported{}, fmt.Errorf("opening %s: %w", path, err)
	}
	defer db.Close()
	store, err := accounts.Open(db, accounts.Options{})
	if err != nil {
		return imported{}, err
	}
	defer store.Close()
	users, keys, err := store.Export()
	if err != nil {
		return imported{}, err
	}
	ledger, err := metering.OpenLedger(db, nil)
	if err != nil {
		return imported{}, err
	}
	days := make(map[uint64][]metering.DaySpend, len(users))
	for _, u := range users {
		if days[u.ID], err = ledger.Daily(u.ID); err != nil {
			return imported{}, fmt.Errorf("reading the usage of user %d: %w", u.ID, err)
		}
	}
	target, err := fleet.Open(o)
	if err != nil {
		return imported{}, err
	}
	defer target.Close()
	if err := target.Import(users, keys, days); err != nil {
		return imported{}, err
	}
	return imported{len(users), len(keys)}, nil
}
