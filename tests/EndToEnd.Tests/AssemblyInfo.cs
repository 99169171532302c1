// Each collection runs a whole system (five processes beside their sidecars, and a redis-server for the Redis one):
// one system at a time, so two do not compete for the machine during timing-sensitive outages.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
