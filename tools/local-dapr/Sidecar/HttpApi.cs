using System.Text.Json;
using System.Text.Json.Nodes;
using LocalDapr.PubSub;
using LocalDapr.State;

namespace LocalDapr.Sidecar;

/// <summary>The sidecar's HTTP API (dapr/dapr <c>pkg/api/http</c>): health, metadata, publish, state and invocation.</summary>
public static class HttpApi
{
    public static void Map(IEndpointRouteBuilder routes, SidecarRuntime sidecar, Invocation invocation, int httpPort)
    {
        var api = routes.MapGroup("").RequireHost($"*:{httpPort}");

        api.MapGet("/v1.0/healthz", () => sidecar.IsAppReady ? Results.NoContent() : Results.StatusCode(500));
        api.MapGet("/v1.0/healthz/outbound", () => Results.NoContent());
        api.MapGet("/v1.0/metadata", () => Results.Json(SidecarMetadata.ToJson(sidecar)));
        api.MapPut("/v1.0/metadata/{key}", async (HttpContext context, string key) =>
        {
            sidecar.SetExtendedMetadata(key, System.Text.Encoding.UTF8.GetString(await ReadBodyAsync(context)));
            return Results.NoContent();
        });

        api.MapPost("/v1.0/publish/{pubsub}/{**topic}", (HttpContext context, string pubsub, string topic) => Run(context, async () =>
        {
            var body = await ReadBodyAsync(context);
            await sidecar.PublishAsync(new PublishRequest(pubsub, topic, body, context.Request.ContentType ?? "application/json", QueryMetadata(context)),
                Trace(context), context.RequestAborted);
            context.Response.StatusCode = 204;
        }));

        Delegate bulk = (HttpContext context, string pubsub, string topic) => Run(context, async () =>
        {
            // daprd decodes the body with Go's encoding/json, which matches keys case-insensitively (the JS SDK sends entryID).
            var body = JsonSerializer.Deserialize<List<BulkEntry>>(await ReadBodyAsync(context), BulkJson) ?? [];
            var metadata = QueryMetadata(context);
            var entries = new List<(string, PublishRequest)>();
            foreach (var entry in body)
            {
                var contentType = string.IsNullOrEmpty(entry.ContentType) ? "application/json" : entry.ContentType;
                var evt = entry.Event;
                var data = evt.ValueKind == JsonValueKind.String && !CloudEvents.IsJsonContentType(contentType) ? System.Text.Encoding.UTF8.GetBytes(evt.GetString()!) : JsonSerializer.SerializeToUtf8Bytes(evt);
                var entryMetadata = new Dictionary<string, string>(metadata, StringComparer.Ordinal);
                foreach (var (k, v) in entry.Metadata ?? []) entryMetadata[k] = v;
                entries.Add((entry.EntryId ?? "", new PublishRequest(pubsub, topic, data, contentType, entryMetadata)));
            }
            var failed = await sidecar.BulkPublishAsync(pubsub, topic, entries, Trace(context), context.RequestAborted);
            if (failed.Count == 0)
            {
                context.Response.StatusCode = 204;
                return;
            }
            context.Response.StatusCode = 500;
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["failedEntries"] = new JsonArray(failed.Select(f => (JsonNode)new JsonObject { ["entryId"] = f.EntryId, ["error"] = f.Error }).ToArray()),
                ["errorCode"] = "ERR_PUBSUB_PUBLISH_MESSAGE",
            });
        });
        api.MapPost("/v1.0/publish/bulk/{pubsub}/{**topic}", bulk);
        api.MapPost("/v1.0-alpha1/publish/bulk/{pubsub}/{**topic}", bulk);

        api.MapGet("/v1.0/state/{store}/{**key}", (HttpContext context, string store, string key) => Run(context, async () =>
        {
            var entry = await sidecar.GetStateAsync(store, key, context.RequestAborted);
            if (entry is null)
            {
                context.Response.StatusCode = 204;
                return;
            }
            context.Response.Headers.ETag = entry.ETag;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(entry.Value, context.RequestAborted);
        }));

        api.MapPost("/v1.0/state/{store}", (HttpContext context, string store) => Run(context, async () =>
        {
            using var doc = await ParseAsync(context);
            var writes = doc.RootElement.EnumerateArray().Select(item => HttpWrite(item, delete: false)).ToList();
            await sidecar.WriteStateAsync(store, writes, isDelete: false, context.RequestAborted);
            context.Response.StatusCode = 204;
        }));

        api.MapDelete("/v1.0/state/{store}/{**key}", (HttpContext context, string store, string key) => Run(context, async () =>
        {
            var etag = context.Request.Headers.IfMatch.ToString();
            var concurrency = context.Request.Query["concurrency"] == "first-write" ? Concurrency.FirstWrite : Concurrency.LastWrite;
            await sidecar.WriteStateAsync(store, [new StateWrite(key, null, etag.Length > 0 ? etag : null, concurrency, null)], isDelete: true, context.RequestAborted);
            context.Response.StatusCode = 204;
        }));

        api.MapPost("/v1.0/state/{store}/bulk", (HttpContext context, string store) => Run(context, async () =>
        {
            using var doc = await ParseAsync(context);
            var result = new JsonArray();
            var keys = doc.RootElement.GetProperty("keys").EnumerateArray().Select(k => k.GetString() ?? "").ToList();
            var read = await sidecar.GetBulkStateAsync(store, keys, context.RequestAborted);
            for (var i = 0; i < keys.Count; i++)
            {
                var item = new JsonObject { ["key"] = keys[i] };
                if (read[i].Error is { } error) item["error"] = error.Message;
                else if (read[i].Entry is { } entry)
                {
                    try
                    {
                        item["data"] = JsonNode.Parse(entry.Value);
                        item["etag"] = entry.ETag;
                    }
                    catch (JsonException e)
                    {
                        item["error"] = e.Message;
                    }
                }
                result.Add(item);
            }
            await context.Response.WriteAsJsonAsync(result);
        }));

        api.MapPost("/v1.0/state/{store}/transaction", (HttpContext context, string store) => Run(context, async () =>
        {
            using var doc = await ParseAsync(context);
            var writes = doc.RootElement.GetProperty("operations").EnumerateArray().Select(op =>
                HttpWrite(op.GetProperty("request"), op.GetProperty("operation").GetString() switch
                {
                    "upsert" => false,
                    "delete" => true,
                    var other => throw DaprErrors.Malformed($"operation type {other} not supported"),
                })).ToList();
            await sidecar.TransactAsync(store, writes, context.RequestAborted);
            context.Response.StatusCode = 204;
        }));

        // daprd answers with the secret's values as a JSON object (Go's encoding/json sorts the keys); an empty answer is 204.
        api.MapGet("/v1.0/secrets/{store}/bulk", (HttpContext context, string store) => Run(context, async () =>
        {
            var secrets = await sidecar.GetBulkSecretAsync(store, QueryMetadata(context), context.RequestAborted);
            var body = new JsonObject();
            foreach (var (name, values) in secrets.OrderBy(s => s.Key, StringComparer.Ordinal)) body[name] = Sorted(values);
            await context.Response.WriteAsJsonAsync(body);
        }));
        api.MapGet("/v1.0/secrets/{store}/{key}", (HttpContext context, string store, string key) => Run(context, async () =>
        {
            var values = await sidecar.GetSecretAsync(store, key, QueryMetadata(context), context.RequestAborted);
            await context.Response.WriteAsJsonAsync(Sorted(values));
        }));

        Actors.ActorHttpApi.Map(api, sidecar);

        api.Map("/v1.0/invoke/{appId}/method/{**method}", (HttpContext context, string appId, string? method) =>
            invocation.ForwardAsync(context, sidecar, appId, method ?? "", grpc: false));
    }

    private static JsonObject Sorted(IReadOnlyDictionary<string, string> values) =>
        new(values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => KeyValuePair.Create(v.Key, (JsonNode?)JsonValue.Create(v.Value))));

    private static readonly JsonSerializerOptions BulkJson = new() { PropertyNameCaseInsensitive = true };

    /// <summary>One entry of an HTTP bulk publish body (daprd's <c>bulkPublishMessageEntry</c>).</summary>
    private sealed record BulkEntry(string? EntryId, JsonElement Event, string? ContentType, Dictionary<string, string>? Metadata);

    public static async Task WriteErrorAsync(HttpContext context, DaprApiException error)
    {
        context.Response.StatusCode = error.HttpStatus;
        await context.Response.WriteAsJsonAsync(new JsonObject { ["errorCode"] = error.ErrorCode, ["message"] = error.Message });
    }

    private static async Task Run(HttpContext context, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (DaprApiException e)
        {
            await WriteErrorAsync(context, e);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            await WriteErrorAsync(context, DaprErrors.Malformed($"failed to parse the request body: {e.Message}"));
        }
    }

    private static StateWrite HttpWrite(JsonElement item, bool delete)
    {
        var key = item.GetProperty("key").GetString() ?? "";
        var value = delete || !item.TryGetProperty("value", out var v) ? null : JsonSerializer.SerializeToUtf8Bytes(v);
        var etag = item.TryGetProperty("etag", out var e) ? e.GetString() : null;
        var concurrency = item.TryGetProperty("options", out var o) && o.TryGetProperty("concurrency", out var c) && c.GetString() == "first-write"
            ? Concurrency.FirstWrite : Concurrency.LastWrite;
        var ttl = item.TryGetProperty("metadata", out var m) && m.TryGetProperty(TtlMetadata.Key, out var t)
            ? t.ValueKind == JsonValueKind.String ? t.GetString() : t.GetRawText()
            : null;
        return new StateWrite(key, delete ? null : value ?? "null"u8.ToArray(), etag, concurrency, null) { TtlText = ttl };
    }

    private static async Task<JsonDocument> ParseAsync(HttpContext context) => JsonDocument.Parse(await ReadBodyAsync(context));

    private static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }

    private static Dictionary<string, string> QueryMetadata(HttpContext context) =>
        context.Request.Query.Where(q => q.Key.StartsWith("metadata.", StringComparison.Ordinal))
            .ToDictionary(q => q.Key["metadata.".Length..], q => q.Value.ToString(), StringComparer.Ordinal);

    private static TraceContext Trace(HttpContext context) =>
        TraceContext.ChildOf(context.Request.Headers["traceparent"].FirstOrDefault(), context.Request.Headers["tracestate"].FirstOrDefault());
}
