using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Mtaeda.ServiceDefaults.Tests.Fakes;

namespace Mtaeda.ServiceDefaults.Tests;

public sealed class DaprAppTokenTests
{
    private const string Token = "s3cret-app-token";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<TestApp> StartAsync(string token) => TestApp.StartAsync(
        new Dictionary<string, string?> { [DaprAppToken.ConfigurationKey] = token },
        endpoints: app =>
        {
            app.MapPost("/events/passage", () => Results.Ok("handled")).RequireDapr();
            app.MapGroup("/invoke").RequireDapr().MapGet("/status", () => "up");
        });

    [Fact]
    public async Task With_APP_API_TOKEN_a_call_without_the_token_is_refused()
    {
        await using var service = await StartAsync(Token);

        using var response = await service.Client.PostAsync("/events/passage", null, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task With_APP_API_TOKEN_a_call_with_another_token_is_refused()
    {
        await using var service = await StartAsync(Token);

        using var response = await service.Client.SendAsync(WithToken(HttpMethod.Post, "/events/passage", "guessed"), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task With_APP_API_TOKEN_a_call_carrying_it_is_accepted()
    {
        await using var service = await StartAsync(Token);

        using var handler = await service.Client.SendAsync(WithToken(HttpMethod.Post, "/events/passage", Token), Ct);
        using var grouped = await service.Client.SendAsync(WithToken(HttpMethod.Get, "/invoke/status", Token), Ct);
        using var groupedWithout = await service.Client.GetAsync("/invoke/status", Ct);

        Assert.Equal(HttpStatusCode.OK, handler.StatusCode);
        Assert.Equal(HttpStatusCode.OK, grouped.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, groupedWithout.StatusCode);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/metrics")]
    [InlineData("/dapr/subscribe")]
    public async Task Probes_scrapes_and_the_subscription_list_stay_open(string path)
    {
        await using var service = await StartAsync(Token);

        using var response = await service.Client.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Without_APP_API_TOKEN_nothing_is_enforced_so_local_runs_keep_working()
    {
        await using var service = await StartAsync(string.Empty);

        using var response = await service.Client.PostAsync("/events/passage", null, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static HttpRequestMessage WithToken(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add(DaprAppToken.HeaderName, token);
        return request;
    }
}
