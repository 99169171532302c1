using System.Globalization;
using LocalDapr.Configuration;
using LocalDapr.Redis;
using StackExchange.Redis;

namespace LocalDapr.State;

/// <summary>
/// <c>state.redis</c> with the layout of components-contrib's store: each key (already prefixed <c>{appId}||{key}</c>)
/// is a hash with the fields <c>data</c> (the bytes saved) and <c>version</c> (the ETag: an integer that <c>HINCRBY</c>
/// raises on every write; a first-write save also sets the field <c>first-write</c>, as Dapr does). TTLs are Redis
/// expiries (<c>EXPIRE</c>; a save without a TTL clears one with <c>PERSIST</c>, as the in-memory store does).
/// A write list runs as one Lua script, which checks every write before it applies anything, so a transaction is
/// all-or-nothing. The ETag rules are components-contrib's Redis scripts': a save's ETag must be an integer (else
/// "invalid etag value", InvalidArgument); a save or delete goes through when the key is absent, when its version is the
/// ETag, or when no ETag is given, except that a save without one is refused when the key was last saved with
/// first-write concurrency (a plain error, not an ETag error); a delete's ETag is compared as text, never parsed.
/// </summary>
public sealed class RedisStateStore : IStateStore
{
    // ARGV holds five values per write: op ("set"/"del"), etag ("0": none), first-write ("1"/"0"), TTL in whole seconds
    // ("0": none) and the data. Returns {"ok"} or {"refused", index of the write (1-based)}.
    private const string WriteScript = """
        local n = #KEYS
        for i = 1, n do
          local b = (i - 1) * 5
          local etag = ARGV[b + 2]
          local version = redis.pcall('HGET', KEYS[i], 'version')
          local free = not version or type(version) == 'table' or version == '' or version == etag
          if ARGV[b + 1] == 'del' then
            if not (free or etag == '0') then return {'refused', i} end
          else
            local fwr = redis.pcall('HGET', KEYS[i], 'first-write')
            if not (free or ((not fwr or type(fwr) == 'table') and etag == '0')) then return {'refused', i} end
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
            args[b + 1] = string.IsNullOrEmpty(write.ETag) ? "0" : write.IsDelete ? write.ETag : Atoi(write.ETag).ToString(CultureInfo.InvariantCulture);
            args[b + 2] = write.Concurrency == Concurrency.FirstWrite ? "1" : "0";
            args[b + 3] = write.Ttl is { } ttl && ttl > TimeSpan.Zero ? (long)Math.Ceiling(ttl.TotalSeconds) : 0;
            args[b + 4] = write.IsDelete ? RedisValue.EmptyString : write.Value;
        }

        var db = await _redis.DatabaseAsync(cancellationToken);
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(WriteScript, keys, args).WaitAsync(cancellationToken))!;
        var outcome = (string?)result[0];
        if (outcome == "ok") return;
        var failed = writes[(int)result[1] - 1];
        var detail = failed.IsDelete ? $"failed to delete {failed.Key}" : $"failed to set key {failed.Key}";
        // As components-contrib: a refused delete is always an ETag mismatch, a refused save only when it carried an ETag.
        if (failed.IsDelete || !string.IsNullOrEmpty(failed.ETag)) throw new ETagException(ETagProblem.Mismatch, detail);
        throw new InvalidOperationException($"failed to set key {failed.Key}: {detail}");
    }

    /// <summary>A save's ETag as Go's <c>strconv.Atoi</c> reads it, failing with its words.</summary>
    private static long Atoi(string etag)
    {
        if (long.TryParse(etag, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var version)) return version;
        var digits = etag.Length > 0 && (etag[0] is '+' or '-') ? etag[1..] : etag;
        var why = digits.Length > 0 && digits.All(char.IsAsciiDigit) ? "value out of range" : "invalid syntax";
        throw new ETagException(ETagProblem.Invalid, $"strconv.Atoi: parsing \"{etag.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\": {why}");
    }

    public ValueTask DisposeAsync() => _redis.DisposeAsync();
}
