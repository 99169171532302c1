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

    [Fact]
    public async Task Health_probes_need_no_token()
    {
        await using var service = await StartAsync(Token);

        using var live = await service.Client.GetAsync("/healthz", Ct);
        using var ready = await service.Client.GetAsync("/readyz", Ct);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode); // answered: no sidecar here, not refused
    }

    [Theory]
    [InlineData("/dapr/subscribe")]
    [InlineData("/metrics")]
    [InlineData("/an/endpoint/mapped/without/RequireDapr")]
    public async Task Every_other_endpoint_refuses_a_call_without_the_token_even_without_RequireDapr(string path)
    {
        await using var service = await TestApp.StartAsync(
            new Dictionary<string, string?> { [DaprAppToken.ConfigurationKey] = Token },
            endpoints: app => app.MapGet("/an/endpoint/mapped/without/RequireDapr", () => "open?"));

        using var without = await service.Client.GetAsync(path, Ct);
        using var wrong = await service.Client.SendAsync(WithToken(HttpMethod.Get, path, "guessed"), Ct);
        using var with = await service.Client.SendAsync(WithToken(HttpMethod.Get, path, Token), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal("application/problem+json", without.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    [Fact]
    public async Task A_grpc_call_without_the_token_is_refused_with_Unauthenticated()
    {
        await using var service = await StartAsync(Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mtaeda.equipment.v1.Equipment/GetTurnstile")
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
            Version = HttpVersion.Version20,
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");

        using var response = await service.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("16", Assert.Single(response.Headers.GetValues("grpc-status")));
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
