namespace Mtaeda.ServiceDefaults.Tests;

public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Liveness_is_200_while_the_process_is_up_even_without_a_sidecar()
    {
        await using var service = await TestApp.StartAsync();

        using var response = await service.Client.GetAsync(DefaultEndpoints.LivenessPath, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Readiness_is_503_when_no_sidecar_answers()
    {
        await using var service = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{TestApp.UnusedPort()}",
        });

        using var response = await service.Client.GetAsync(DefaultEndpoints.ReadinessPath, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("Unhealthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>Readiness follows the sidecar's outbound health: ready on its 204, not ready while it reports 500.</summary>
    [Theory]
    [InlineData(StatusCodes.Status204NoContent, HttpStatusCode.OK)]
    [InlineData(StatusCodes.Status500InternalServerError, HttpStatusCode.ServiceUnavailable)]
    public async Task Readiness_follows_the_sidecars_healthz_outbound(int sidecarStatus, HttpStatusCode readiness)
    {
        await using var sidecar = await LoopbackServer.FakeSidecarAsync(sidecarStatus);
        await using var service = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["DAPR_HTTP_ENDPOINT"] = sidecar.BaseAddress.ToString(),
        });

        using var response = await service.Client.GetAsync(DefaultEndpoints.ReadinessPath, TestContext.Current.CancellationToken);

        Assert.Equal(readiness, response.StatusCode);
        Assert.Equal(1, sidecar.Hits("/v1.0/healthz/outbound"));
    }

    [Fact]
    public async Task Readiness_follows_DAPR_HTTP_PORT_when_no_endpoint_is_configured()
    {
        await using var sidecar = await LoopbackServer.FakeSidecarAsync(StatusCodes.Status204NoContent);
        await using var service = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["DAPR_HTTP_ENDPOINT"] = string.Empty,
            ["DAPR_HTTP_PORT"] = sidecar.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        using var response = await service.Client.GetAsync(DefaultEndpoints.ReadinessPath, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
