using System.Text.Json;
using LocalDapr.Sidecar;
using LocalDapr.State;

namespace LocalDapr.Actors;

/// <summary>
/// The actor API of the sidecar (<c>/v1.0/actors/...</c>), which is what <c>Dapr.Actors</c> uses: invocation routed to
/// the app hosting the type, actor state under <c>{appId}||{type}||{id}||{key}</c>, reminders and timers.
/// </summary>
public static class ActorHttpApi
{
    public static void Map(RouteGroupBuilder api, SidecarRuntime sidecar)
    {
        var methods = new[] { "PUT", "POST" };
        api.MapMethods("/v1.0/actors/{type}/{id}/method/{**method}", methods, (HttpContext context, string type, string id, string method) => Run(context, async () =>
        {
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in new[] { ActorHost.RequestHeader, ActorHost.ReentrancyHeader, "traceparent", "tracestate" })
            {
                if (context.Request.Headers.TryGetValue(name, out var value)) headers[name] = value.ToString();
            }
            var response = await InvokeMethodAsync(sidecar, type, id, method, await BodyAsync(context), context.Request.ContentType, headers, context.RequestAborted);
            context.Response.StatusCode = response.Status;
            if (response.ContentType is not null) context.Response.ContentType = response.ContentType;
            foreach (var (name, value) in response.Headers) context.Response.Headers[name] = value;
            await context.Response.Body.WriteAsync(response.Body, context.RequestAborted);
        }));

        api.MapGet("/v1.0/actors/{type}/{id}/state/{**key}", (HttpContext context, string type, string id, string key) => Run(context, async () =>
        {
            var (host, store) = StateOf(sidecar, type, id);
            var entry = await store.GetAsync(ActorKey(host, type, id, key), context.RequestAborted);
            if (entry is null)
            {
                context.Response.StatusCode = 204;
                return;
            }
            if (entry.ExpiresAt is { } at) context.Response.Headers["Metadata.ttlExpireTime"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(entry.Value, context.RequestAborted);
        }));

        api.MapMethods("/v1.0/actors/{type}/{id}/state", methods, (HttpContext context, string type, string id) => Run(context, async () =>
        {
            var (host, store) = StateOf(sidecar, type, id);
            using var doc = JsonDocument.Parse(await BodyAsync(context));
            var writes = new List<StateWrite>();
            foreach (var op in doc.RootElement.EnumerateArray())
            {
                var request = op.GetProperty("request");
                var key = ActorKey(host, type, id, request.GetProperty("key").GetString() ?? "");
                TimeSpan? ttl = request.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("ttlInSeconds", out var t)
                    && int.TryParse(t.ValueKind == JsonValueKind.String ? t.GetString() : t.GetRawText(), System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0 ? TimeSpan.FromSeconds(s) : null;
                writes.Add(op.GetProperty("operation").GetString() switch
                {
                    "upsert" => new StateWrite(key, request.TryGetProperty("value", out var v) ? JsonSerializer.SerializeToUtf8Bytes(v) : "null"u8.ToArray(), null, Concurrency.LastWrite, ttl),
                    "delete" => new StateWrite(key, null, null, Concurrency.LastWrite, null),
                    var other => throw DaprErrors.Malformed($"operation type {other} not supported"),
                });
            }
            try
            {
                await store.WriteAsync(writes, context.RequestAborted);
            }
            catch (Exception e) when (e is not (OperationCanceledException or DaprApiException))
            {
                throw new DaprApiException(Grpc.Core.StatusCode.Internal, 500, "ERR_ACTOR_STATE_TRANSACTION_SAVE", $"error saving actor transaction state: {e.Message}");
            }
            context.Response.StatusCode = 204;
        }));

        api.MapMethods("/v1.0/actors/{type}/{id}/reminders/{name}", methods, (HttpContext context, string type, string id, string name) => Run(context, async () =>
        {
            using var doc = JsonDocument.Parse(await BodyOrEmptyObjectAsync(context));
            await Host(sidecar, type, id).Reminders.RegisterAsync(type, id, name, doc.RootElement, context.RequestAborted);
            context.Response.StatusCode = 204;
        }));
        api.MapGet("/v1.0/actors/{type}/{id}/reminders/{name}", (HttpContext context, string type, string id, string name) => Run(context, async () =>
        {
            var record = await Host(sidecar, type, id).Reminders.GetAsync(type, id, name, context.RequestAborted);
            if (record is null)
            {
                throw new DaprApiException(Grpc.Core.StatusCode.NotFound, 404, "ERR_ACTOR_REMINDER_GET", $"error getting actor reminder: reminder {name} not found");
            }
            await context.Response.WriteAsJsonAsync(new { actorID = id, actorType = type, name, data = record.Data, dueTime = record.DueTime, period = record.Period, ttl = record.Ttl });
        }));
        api.MapDelete("/v1.0/actors/{type}/{id}/reminders/{name}", (HttpContext context, string type, string id, string name) => Run(context, async () =>
        {
            await Host(sidecar, type, id).Reminders.DeleteAsync(type, id, name, context.RequestAborted);
            context.Response.StatusCode = 204;
        }));

        api.MapMethods("/v1.0/actors/{type}/{id}/timers/{name}", methods, (HttpContext context, string type, string id, string name) => Run(context, async () =>
        {
            using var doc = JsonDocument.Parse(await BodyOrEmptyObjectAsync(context));
            try
            {
                Host(sidecar, type, id).RegisterTimer(type, id, name, doc.RootElement);
            }
            catch (FormatException e)
            {
                throw new DaprApiException(Grpc.Core.StatusCode.InvalidArgument, 500, "ERR_ACTOR_TIMER_CREATE", $"error creating actor timer: {e.Message}");
            }
            context.Response.StatusCode = 204;
        }));
        api.MapDelete("/v1.0/actors/{type}/{id}/timers/{name}", (HttpContext context, string type, string id, string name) => Run(context, () =>
        {
            Host(sidecar, type, id).UnregisterTimer(type, id, name);
            context.Response.StatusCode = 204;
            return Task.CompletedTask;
        }));
    }

    /// <summary>
    /// Calls an actor method on the app hosting the type (the HTTP API's <c>.../method/...</c> and gRPC <c>InvokeActor</c>)
    /// under the caller's resiliency policy for the type: a timeout per attempt, a breaker, and retries of calls that did
    /// not reach the app (a failing actor method is the app's answer, not retried).
    /// </summary>
    public static async Task<ActorResponse> InvokeMethodAsync(SidecarRuntime sidecar, string type, string id, string method, byte[] body, string? contentType,
        IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        var host = Host(sidecar, type, id);
        try
        {
            return await sidecar.ActorPolicy(type).ExecuteAsync(
                token => host.InvokeAsync(type, id, method, body, contentType, headers, token), _ => false, e => e is DaprApiException, cancellationToken);
        }
        catch (Exception e) when (e is Resiliency.CircuitOpenException or Resiliency.PolicyTimeoutException)
        {
            throw new DaprApiException(Grpc.Core.StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD", $"error invoke actor method: {e.Message}");
        }
    }

    private static ActorHost Host(SidecarRuntime sidecar, string type, string id) =>
        sidecar.Environment.Apps.ResolveActor(type, id)?.Actors
        ?? throw new DaprApiException(Grpc.Core.StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD",
            $"error invoke actor method: failed to lookup actor: api error: code = FailedPrecondition desc = did not find address for actor '{type}/{id}'");

    private static (ActorHost Host, IStateStore Store) StateOf(SidecarRuntime sidecar, string type, string id)
    {
        var host = Host(sidecar, type, id);
        var owner = sidecar.Environment.Apps.ResolveActor(type, id)!;
        var store = owner.ActorStateStore?.Store ?? throw new DaprApiException(Grpc.Core.StatusCode.FailedPrecondition, 500, "ERR_ACTOR_STATE_GET",
            "actors: state store does not exist or incorrectly configured: no state store has metadata actorStateStore set to true");
        return (host, store);
    }

    private static string ActorKey(ActorHost host, string type, string id, string key) => $"{host.AppId}||{type}||{id}||{key}";

    private static async Task<byte[]> BodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }

    private static async Task<byte[]> BodyOrEmptyObjectAsync(HttpContext context)
    {
        var body = await BodyAsync(context);
        return body.Length == 0 ? "{}"u8.ToArray() : body;
    }

    private static async Task Run(HttpContext context, Func<Task> body)
    {
        try
        {
            await body();
        }
        catch (DaprApiException e)
        {
            await HttpApi.WriteErrorAsync(context, e);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            await HttpApi.WriteErrorAsync(context, DaprErrors.Malformed($"failed to parse the request body: {e.Message}"));
        }
        catch (HttpRequestException e)
        {
            await HttpApi.WriteErrorAsync(context, new DaprApiException(Grpc.Core.StatusCode.Internal, 500, "ERR_ACTOR_INVOKE_METHOD", $"error invoke actor method: {e.Message}"));
        }
    }
}
