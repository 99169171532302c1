using System.Text.Json;
using Dapr.Actors;
using Dapr.Actors.Runtime;

namespace Mtaeda.ServiceDefaults.Tests;

/// <summary>Calls to actors an app does not host get a clear 404, not the actor runtime's 500 and stack trace.</summary>
public sealed class ActorEndpointGuardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public interface IGreeter : IActor
    {
        Task<string> GreetAsync();
    }

    public sealed class Greeter(ActorHost host) : Actor(host), IGreeter
    {
        public Task<string> GreetAsync() => Task.FromResult("hello");
    }

    private static Task<TestApp> StartAsync() => TestApp.StartAsync(
        services: builder => builder.Services.AddActors(options => options.Actors.RegisterActor<Greeter>()),
        endpoints: app => app.MapActorsHandlers());

    [Theory]
    [InlineData("/actors/Turnstile/ts-001-01/method/RecordPassagesAsync", "actor type 'Turnstile' is not hosted by this app")]
    [InlineData("/actors/Greeter/g-1/method/RecordPassagesAsync", "actor type 'Greeter' has no method 'RecordPassagesAsync'")]
    public async Task An_unknown_actor_type_or_method_is_refused_with_404_and_the_reason(string path, string reason)
    {
        await using var service = await StartAsync();

        using var response = await service.Client.PutAsync(path, new StringContent("{}"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(reason, problem.RootElement.GetProperty("detail").GetString());
        Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hosted_actor_and_method_still_answer()
    {
        await using var service = await StartAsync();

        using var response = await service.Client.PutAsync("/actors/Greeter/g-1/method/GreetAsync", new StringContent(""), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"hello\"", await response.Content.ReadAsStringAsync(Ct));
    }
}
