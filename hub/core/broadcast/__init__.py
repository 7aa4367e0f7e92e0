"""Broadcasting "this changed" to channel-layer groups: :mod:`.groups` names the
groups, :mod:`.events` sends on commit. Domain apps use these, never realtime."""
