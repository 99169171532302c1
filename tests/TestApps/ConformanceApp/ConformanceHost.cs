using System.Collections.Concurrent;
using System.Text.Json;
using ConformanceApp.Grpc;
using Dapr;
using Dapr.AspNetCore;
using Grpc.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Mtaeda.Testing;

namespace ConformanceApp;

/// <summary>An order event; <see cref="Behavior"/> tells the subscriber how to answer (<c>retry:N</c>, <c>drop</c>, <c>garbage:N</c>, <c>fail</c>, <c>missing</c>, <c>hold</c>).</summary>
public sealed record Order(int N, string? Behavior = null, string? Note = null);

public sealed record Received(string Instance, string Topic, string Route, string EventId, string EventType, string Source, Order? Order, string? Traceparent, string? AppToken)
{
    public DateTimeOffset At { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>What the app saw, for tests to await on (no sleeps).</summary>
public sealed class Recorder : Recording<Received>
{
    private readonly ConcurrentDictionary<string, int> _attempts = new();

    public int Attempts(string key) => _attempts.GetValueOrDefault(key);

    internal int NextAttempt(string key) => _attempts.AddOrUpdate(key, 1, (_, n) => n + 1);

    /// <summary>Waits until <paramref name="condition"/> holds over what was received, or fails after <paramref name="timeout"/> (20 s).</summary>
    public Task<IReadOnlyList<Received>> WaitForAsync(Func<IReadOnlyList<Received>, bool> condition, TimeSpan? timeout = null, string? what = null) =>
        WaitUntilAsync(condition, what ?? "the condition", timeout ?? TimeSpan.FromSeconds(20));

    protected override string Describe(Received item) => $"{item.Topic}/{item.Route}#{item.Order?.N}";
}

/// <summary>Optional parts of the conformance app: actors (with reentrancy and idle timeout), and the sidecar it talks to.</summary>
public sealed record ConformanceOptions
{
    public bool Actors { get; init; }
    public bool Reentrancy { get; init; }
    public TimeSpan? ActorIdleTimeout { get; init; }
    public int? DaprHttpPort { get; init; }
    public int? DaprGrpcPort { get; init; }
    public ActorLog ActorLog { get; init; } = new();
}

public static class ConformanceHost
{
    public const string PubSub = "pubsub";

    /// <summary>Builds the app on <paramref name="port"/>: HTTP/1.1, or HTTP/2 cleartext when <paramref name="h2c"/> (callbacks and gRPC on one port).</summary>
    public static WebApplication Build(int port, bool h2c, Recorder recorder, string instance = "a", string[]? args = null, ConformanceOptions? options = null)
    {
        options ??= new ConformanceOptions();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args ?? [], ApplicationName = typeof(ConformanceHost).Assembly.GetName().Name });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o => o.Protocols = h2c ? HttpProtocols.Http2 : HttpProtocols.Http1));
        // The SDK reads the sidecar's ports from configuration first, then the environment (as the Dapr CLI sets them).
        if (options.DaprHttpPort is { } httpPort) builder.Configuration["DAPR_HTTP_PORT"] = httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (options.DaprGrpcPort is { } grpcPort) builder.Configuration["DAPR_GRPC_PORT"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        builder.Services.AddSingleton(recorder);
        builder.Services.AddSingleton(options.ActorLog);
        builder.Services.AddDaprClient();
        builder.Services.AddGrpc();
        builder.Services.AddHealthChecks();
        if (options.Actors)
        {
            builder.Services.AddActors(o =>
            {
                o.Actors.RegisterActor<CounterActor>();
                if (options.ActorIdleTimeout is { } idle)
                {
                    o.ActorIdleTimeout = idle;
                    o.ActorScanInterval = TimeSpan.FromMilliseconds(Math.Max(50, idle.TotalMilliseconds / 4));
                }
                o.ReentrancyConfig = new Dapr.Actors.ActorReentrancyConfig { Enabled = options.Reentrancy, MaxStackDepth = 8 };
                if (options.DaprHttpPort is { } p) o.HttpEndpoint = $"http://127.0.0.1:{p}";
            });
        }

        var app = builder.Build();
        if (options.Actors) app.MapActorsHandlers();
        app.UseCloudEvents(new CloudEventsMiddlewareOptions { ForwardCloudEventPropertiesAsHeaders = true });
        app.MapSubscribeHandler();
        app.MapHealthChecks("/healthz");
        app.MapGrpcService<EchoService>();

        app.MapPost("/orders", (Order order, HttpContext context) => Handle(context, recorder, instance, "orders", "orders", order))
            .WithTopic(PubSub, "orders");
        app.MapPost("/audit", (Order order, HttpContext context) => Handle(context, recorder, instance, "orders", "audit", order))
            .WithTopic(PubSub, "audit-orders");
        app.MapPost("/poison", (Order order, HttpContext context) => Handle(context, recorder, instance, "poison", "poison", order))
            .WithTopic(new TopicOptions { PubsubName = PubSub, Name = "poison", DeadLetterTopic = "poison-dead" });
        app.MapPost("/poison-dead", (Order order, HttpContext context) => Handle(context, recorder, instance, "poison-dead", "poison-dead", order))
            .WithTopic(PubSub, "poison-dead");
        app.MapPost("/routed-vip", (Order order, HttpContext context) => Handle(context, recorder, instance, "routed", "vip", order))
            .WithTopic(new TopicOptions { PubsubName = PubSub, Name = "routed", Match = "event.type == \"vip\"", Priority = 1 });
        app.MapPost("/routed", (Order order, HttpContext context) => Handle(context, recorder, instance, "routed", "default", order))
            .WithTopic(PubSub, "routed");
        app.MapPost("/bulk", (BulkSubscribeMessage<BulkMessageModel<Order>> message, HttpContext context) =>
        {
            var statuses = new List<BulkSubscribeAppResponseEntry>();
            foreach (var entry in message.Entries)
            {
                recorder.Add(new Received(instance, "bulk", "bulk", entry.Event.Id, entry.Event.Type, entry.Event.Source, entry.Event.Data, null, context.Request.Headers["dapr-api-token"].FirstOrDefault()));
                statuses.Add(new BulkSubscribeAppResponseEntry(entry.EntryId, entry.Event.Data.Behavior == "drop" ? BulkSubscribeAppResponseStatus.DROP : BulkSubscribeAppResponseStatus.SUCCESS));
            }
            return Results.Ok(new BulkSubscribeAppResponse(statuses));
        }).WithTopic(PubSub, "bulk").WithBulkSubscribe(new BulkSubscribeTopicOptions { TopicName = "bulk", MaxMessagesCount = 50, MaxAwaitDurationMs = 40 });

        // Invocation targets.
        app.Map("/echo/{**rest}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            return Results.Json(new
            {
                method = context.Request.Method,
                path = context.Request.Path.Value,
                query = context.Request.QueryString.Value,
                body,
                caller = context.Request.Headers["dapr-caller-app-id"].ToString(),
                callee = context.Request.Headers["dapr-callee-app-id"].ToString(),
                appToken = context.Request.Headers["dapr-api-token"].ToString(),
                custom = context.Request.Headers["x-custom"].ToString(),
                traceparent = context.Request.Headers["traceparent"].ToString(),
                instance,
            });
        });
        // The SDK used the plain way (the DaprClient and actor proxies as the SDK builds them from DAPR_HTTP_PORT/DAPR_GRPC_PORT).
        app.MapPost("/plain/state/{key}", async (string key, HttpContext context, Dapr.Client.DaprClient dapr) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            await dapr.SaveStateAsync("statestore", key, await reader.ReadToEndAsync());
            return Results.Text(await dapr.GetStateAsync<string>("statestore", key));
        });
        // Secrets read with the DaprClient from DI; a DaprException comes back as its gRPC status and detail.
        app.MapGet("/plain/secret/{store}/{key}", async (string store, string key, Dapr.Client.DaprClient dapr) =>
            await Secret(() => dapr.GetSecretAsync(store, key)));
        app.MapGet("/plain/secrets/{store}", async (string store, Dapr.Client.DaprClient dapr) =>
            await Secret(() => dapr.GetBulkSecretAsync(store)));
        app.MapPost("/plain/publish/{n:int}", async (int n, Dapr.Client.DaprClient dapr) =>
        {
            await dapr.PublishEventAsync(PubSub, "orders", new Order(n));
            var seen = await recorder.WaitForAsync(r => r.Any(x => x.Topic == "orders" && x.Order?.N == n), what: $"order {n}");
            return Results.Text(seen.First(x => x.Topic == "orders" && x.Order?.N == n).Route);
        });
        app.MapGet("/plain/invoke/{**method}", async (string method) =>
        {
            // CreateInvokeHttpClient sets the handler's token to its daprApiToken argument, so without it the SDK sends none even
            // when DAPR_API_TOKEN is set (and daprd answers 401 as the local runtime does): the token is passed as any app must.
            using var invoker = Dapr.Client.DaprClient.CreateInvokeHttpClient(Environment.GetEnvironmentVariable("APP_ID"), daprApiToken: Environment.GetEnvironmentVariable("DAPR_API_TOKEN"));
            return Results.Text(await invoker.GetStringAsync("/echo/" + method), "application/json");
        });
        app.MapPost("/plain/actor/{id}/{by:int}", async (string id, int by) =>
            Results.Json(await Dapr.Actors.Client.ActorProxy.Create<ICounterActor>(new Dapr.Actors.ActorId(id), nameof(CounterActor)).IncrementAsync(by)));
        app.Map("/status/{code:int}", (int code) => Results.Text($"status {code} from the app", statusCode: code));
        app.Map("/slow/{milliseconds:int}", async (int milliseconds, CancellationToken aborted) =>
        {
            await Task.Delay(milliseconds, aborted);
            return Results.Text("slow answer");
        });
        return app;
    }

    private static async Task<IResult> Secret<T>(Func<Task<T>> read)
    {
        try
        {
            return Results.Json(await read());
        }
        catch (DaprException e) when (e.InnerException is global::Grpc.Core.RpcException rpc)
        {
            return Results.Json(new { status = rpc.StatusCode.ToString(), detail = rpc.Status.Detail }, statusCode: 500);
        }
    }

    private static async Task<IResult> Handle(HttpContext context, Recorder recorder, string instance, string topic, string route, Order order)
    {
        var headers = context.Request.Headers;
        var id = headers.FirstOrDefault(h => h.Key.Equals("Cloudevent.id", StringComparison.OrdinalIgnoreCase)).Value.ToString();
        var type = headers.FirstOrDefault(h => h.Key.Equals("Cloudevent.type", StringComparison.OrdinalIgnoreCase)).Value.ToString();
        var source = headers.FirstOrDefault(h => h.Key.Equals("Cloudevent.source", StringComparison.OrdinalIgnoreCase)).Value.ToString();
        var attempt = recorder.NextAttempt($"{topic}/{order.N}");
        recorder.Add(new Received(instance, topic, route, id, type, source, order, headers["traceparent"].FirstOrDefault(), headers["dapr-api-token"].FirstOrDefault()));

        var (kind, count) = ParseBehavior(order.Behavior);
        if (kind == "hold") await HoldUntilAnotherInstanceReceivedAsync(recorder, instance, topic, context.RequestAborted);
        return kind switch
        {
            "retry" when attempt <= count => Results.Json(new { status = "RETRY" }),
            "garbage" when attempt <= count => Results.Text("<<not json at all>>", "text/html", statusCode: 500),
            "drop" => Results.Json(new { status = "DROP" }),
            "fail" => Results.StatusCode(500),
            "missing" => Results.NotFound(),
            "nonsense" => Results.Text("definitely not json {", "application/json"),
            _ => Results.Json(new { status = "SUCCESS" }),
        };
    }

    /// <summary>
    /// <c>hold</c>: the handler answers only once another instance of the app received an event of the topic (at most 5 s),
    /// so a replica cannot finish every event before its competitor has read one, however the machine schedules them.
    /// </summary>
    private static async Task HoldUntilAnotherInstanceReceivedAsync(Recorder recorder, string instance, string topic, CancellationToken aborted)
    {
        try
        {
            await recorder.WaitForAsync(r => r.Any(x => x.Topic == topic && x.Instance != instance), TimeSpan.FromSeconds(5)).WaitAsync(aborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not seen in time: answer anyway; the test's own assertions say what went wrong.
        }
    }

    private static (string Kind, int Count) ParseBehavior(string? behavior)
    {
        if (string.IsNullOrEmpty(behavior)) return ("", 0);
        var parts = behavior.Split(':', 2);
        return (parts[0], parts.Length == 2 && int.TryParse(parts[1], out var n) ? n : int.MaxValue);
    }
}

public sealed class EchoService : Echo.EchoBase
{
    public override Task<SayReply> Say(SayRequest request, ServerCallContext context) => Task.FromResult(Reply(request.Text, context));

    public override Task<SayReply> Fail(SayRequest request, ServerCallContext context) =>
        throw new RpcException(new Status(StatusCode.FailedPrecondition, $"refused: {request.Text}"));

    public override async Task Count(CountRequest request, IServerStreamWriter<SayReply> responseStream, ServerCallContext context)
    {
        for (var i = 1; i <= request.To; i++) await responseStream.WriteAsync(Reply(i.ToString(System.Globalization.CultureInfo.InvariantCulture), context));
    }

    public override async Task Chat(IAsyncStreamReader<SayRequest> requestStream, IServerStreamWriter<SayReply> responseStream, ServerCallContext context)
    {
        await foreach (var request in requestStream.ReadAllAsync(context.CancellationToken))
            await responseStream.WriteAsync(Reply("re: " + request.Text, context));
    }

    private static SayReply Reply(string text, ServerCallContext context) => new()
    {
        Text = text,
        Caller = context.RequestHeaders.GetValue("dapr-caller-app-id") ?? "",
        Callee = context.RequestHeaders.GetValue("dapr-callee-app-id") ?? "",
        Traceparent = context.RequestHeaders.GetValue("traceparent") ?? "",
    };
}
