using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapr.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mtaeda.ServiceDefaults.Tests.Fakes;

namespace Mtaeda.ServiceDefaults.Tests;

/// <summary>
/// A subscriber endpoint as a service writes it, fed CloudEvents the way the sidecar delivers them
/// (structured mode, <c>application/cloudevents+json</c>), with the state store behind a fake DaprClient.
/// </summary>
public sealed class CloudEventHandlerTests : IAsyncLifetime
{
    private readonly FakeDaprClient dapr = new();
    private readonly List<string> handled = [];
    private TaskCompletionSource? gate;
    private TaskCompletionSource? entered;
    private TestApp? service;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client => service!.Client;

    public async ValueTask InitializeAsync() => service = await TestApp.StartAsync(
        services: builder => builder.Services.AddSingleton<DaprClient>(dapr),
        endpoints: app => app.MapPost("/events/turnstile-locked", async (TurnstileLocked e, HttpRequest request, IIdempotencyGuard guard, CancellationToken ct) =>
            {
                var ran = await guard.RunOnceAsync("tests.turnstile-locked", request, async token =>
                {
                    entered?.TrySetResult();
                    if (gate is not null)
                    {
                        await gate.Task.WaitAsync(token);
                    }

                    lock (handled)
                    {
                        handled.Add($"{request.CloudEventId()}:{e.TurnstileId}");
                    }
                }, ct);
                return Results.Ok(new { ran });
            })
            .WithTopic("pubsub", "mtaeda.equipment.v1.TurnstileLocked")
            .RequireDapr());

    public async ValueTask DisposeAsync()
    {
        if (service is not null)
        {
            await service.DisposeAsync();
        }

        dapr.Dispose();
    }

    [Fact]
    public async Task The_CloudEvent_id_reaches_the_endpoint_and_a_redelivery_is_acknowledged_without_rerunning()
    {
        using var first = await DeliverAsync("evt-1", "T-07");
        using var redelivery = await DeliverAsync("evt-1", "T-07");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(await RanAsync(first));
        Assert.Equal(HttpStatusCode.OK, redelivery.StatusCode);
        Assert.False(await RanAsync(redelivery));
        Assert.Equal(["evt-1:T-07"], handled);
    }

    [Fact]
    public async Task A_duplicate_arriving_while_the_first_is_in_progress_gets_409_so_Dapr_retries_it()
    {
        gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = DeliverAsync("evt-2", "T-08");
        await entered.Task.WaitAsync(Patience, Ct);

        using var duplicate = await DeliverAsync("evt-2", "T-08").WaitAsync(Patience, Ct);
        gate.SetResult();
        using var firstResponse = await first.WaitAsync(Patience, Ct);

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("application/problem+json", duplicate.Content.Headers.ContentType?.MediaType);
        Assert.True(await RanAsync(firstResponse));
        Assert.Equal(["evt-2:T-08"], handled);
    }

    [Fact]
    public async Task A_delivery_without_a_CloudEvent_id_is_a_400_problem()
    {
        using var response = await Client.PostAsJsonAsync("/events/turnstile-locked", new { turnstileId = "T-09" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("CloudEvent id", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Empty(handled);
    }

    [Fact]
    public async Task The_subscription_is_announced_on_dapr_subscribe()
    {
        var subscriptions = await Client.GetFromJsonAsync<JsonElement>("/dapr/subscribe", Ct);

        var subscription = Assert.Single(subscriptions.EnumerateArray());
        Assert.Equal("pubsub", subscription.GetProperty("pubsubName").GetString());
        Assert.Equal("mtaeda.equipment.v1.TurnstileLocked", subscription.GetProperty("topic").GetString());
        // Dapr.AspNetCore lists routes without the leading slash; the sidecar adds it.
        Assert.Equal("events/turnstile-locked", subscription.GetProperty("route").GetString()?.TrimStart('/'));
    }

    private Task<HttpResponseMessage> DeliverAsync(string id, string turnstileId)
    {
        var envelope = JsonSerializer.Serialize(new
        {
            specversion = "1.0",
            id,
            source = "equipment",
            type = "mtaeda.equipment.v1.TurnstileLocked",
            datacontenttype = "application/json",
            pubsubname = "pubsub",
            topic = "mtaeda.equipment.v1.TurnstileLocked",
            data = new { turnstileId },
        });
        var content = new StringContent(envelope, Encoding.UTF8);
        content.Headers.ContentType = new("application/cloudevents+json") { CharSet = "utf-8" };
        return Client.PostAsync("/events/turnstile-locked", content, Ct);
    }

    private static async Task<bool> RanAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("ran").GetBoolean();
}

public sealed record TurnstileLocked(string TurnstileId);
