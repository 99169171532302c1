using System.Globalization;
using LocalDapr.Configuration;
using LocalDapr.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LocalDapr.State;

/// <summary>
/// <c>state.redis</c> with the layout of components-contrib's store: each key (already prefixed <c>{appId}||{key}</c>)
/// is a hash with the fields <c>data</c> (the bytes saved) and <c>version</c> (the ETag: an integer that <c>HINCRBY</c>
/// raises on every write; a first-write save also sets the field <c>first-write</c>, as Dapr does). TTLs are Redis
/// expiries (<c>EXPIRE</c>; a save without a TTL clears one with <c>PERSIST</c>, as the in-memory store does).
/// A write list runs as one Lua script, which checks every ETag before it applies anything, so a transaction is
/// all-or-nothing. The ETag rules are the in-memory store's: a malformed ETag is invalid; an ETag on a missing key or
/// a different version is a mismatch; first-write without an ETag on an existing key is a mismatch.
/// </summary>
public sealed class RedisStateStore : IStateStore
{
    // ARGV holds five values per write: op ("set"/"del"), etag ("" none, "!" malformed, else the version), first-write
    // ("1"/"0"), TTL in whole seconds ("0": none) and the data. Returns {"ok"} or {problem, index of the write (1-based)}.
    private const string WriteScript = """
        local n = #KEYS
        for i = 1, n do
          local b = (i - 1) * 5
          local etag = ARGV[b + 2]
          if etag == '!' then return {'invalid', i} end
          if etag ~= '' then
            local version = redis.pcall('HGET', KEYS[i], 'version')
            if type(version) ~= 'string' or version ~= etag then return {'mismatch', i} end
          elseif ARGV[b + 1] == 'set' and ARGV[b + 3] == '1' and redis.call('EXISTS', KEYS[i]) == 1 then
            return {'first-write', i}
          end
        end
        for i = 1, n do
          local b = (i - 1) * 5
          local key = KEYS[i]
          if ARGV[b + 1] == 'del' then
            redis.call('DEL', key)
          else
            local kind = redis.call('TYPE', key)['ok']
            if kind ~= 'hash' and kind ~= 'none' then redis.call('DEL', key) end
            redis.call('HSET', key, 'data', ARGV[b + 5])
            if ARGV[b + 3] == '1' then redis.call('HSET', key, 'first-write', 0) end
            redis.call('HINCRBY', key, 'version', 1)
            local ttl = tonumber(ARGV[b + 4])
            if ttl > 0 then redis.call('EXPIRE', key, ttl) else redis.call('PERSIST', key) end
          end
        end
        return {'ok'}
        """;

    // Returns {data, version, pttl}, or nil when the key is absent; a plain string (an old layout) reads with no version.
    private const string GetScript = """
        local v = redis.pcall('HMGET', KEYS[1], 'data', 'version')
        if v['err'] then
          local s = redis.pcall('GET', KEYS[1])
          if type(s) ~= 'string' then return nil end
          return {s, '', redis.call('PTTL', KEYS[1])}
        end
        if not v[1] and not v[2] then return nil end
        if not v[1] or not v[2] then return redis.error_reply("required hash field 'data' or 'version' was not found") end
        return {v[1], v[2], redis.call('PTTL', KEYS[1])}
        """;

    private readonly ComponentSpec _spec;
    private readonly TimeProvider _time;
    private readonly RedisConnection _redis;

    public RedisStateStore(ComponentSpec spec, ILogger logger, TimeProvider time)
    {
        _spec = spec;
        _time = time;
        _redis = new RedisConnection(spec, logger);
    }

    public string Name => _spec.Name;

    public string Type => _spec.Type;

    public bool IsActorStateStore => _spec.MetaBool("actorStateStore");

    public IReadOnlyList<string> Features { get; } = ["ETAG", "TRANSACTIONAL", "TTL", "ACTOR"];

    public async ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var db = await _redis.DatabaseAsync(cancellationToken);
        var result = await db.ScriptEvaluateAsync(GetScript, [key]).WaitAsync(cancellationToken);
        if (result.IsNull) return null;
        var parts = (RedisResult[])result!;
        var pttl = (long)parts[2];
        DateTimeOffset? expires = pttl > 0 ? _time.GetUtcNow() + TimeSpan.FromMilliseconds(pttl) : null;
        return new StateEntry((byte[]?)parts[0] ?? [], (string?)parts[1] ?? "", expires);
    }

    public async ValueTask WriteAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0) return;
        var keys = new RedisKey[writes.Count];
        var args = new RedisValue[writes.Count * 5];
        for (var i = 0; i < writes.Count; i++)
        {
            var write = writes[i];
            keys[i] = write.Key;
            var b = i * 5;
            args[b] = write.IsDelete ? "del" : "set";
            args[b + 1] = string.IsNullOrEmpty(write.ETag) ? ""
                : long.TryParse(write.ETag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version.ToString(CultureInfo.InvariantCulture) : "!";
            args[b + 2] = write.Concurrency == Concurrency.FirstWrite ? "1" : "0";
            args[b + 3] = write.Ttl is { } ttl && ttl > TimeSpan.Zero ? (long)Math.Ceiling(ttl.TotalSeconds) : 0;
            args[b + 4] = write.IsDelete ? RedisValue.EmptyString : write.Value;
        }

        var db = await _redis.DatabaseAsync(cancellationToken);
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(WriteScript, keys, args).WaitAsync(cancellationToken))!;
        var outcome = (string?)result[0];
        if (outcome == "ok") return;
        var failed = writes[(int)result[1] - 1];
        throw outcome switch
        {
            "invalid" => new ETagException(ETagProblem.Invalid, $"invalid etag value: {failed.ETag}"),
            "first-write" => new ETagException(ETagProblem.Mismatch, $"first-write concurrency: key {failed.Key} already exists and no etag was given"),
            _ => new ETagException(ETagProblem.Mismatch, $"etag mismatch for key {failed.Key}"),
        };
    }

    public ValueTask DisposeAsync() => _redis.DisposeAsync();
}
