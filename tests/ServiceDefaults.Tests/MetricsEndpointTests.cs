namespace Mtaeda.ServiceDefaults.Tests;

public sealed class MetricsEndpointTests
{
    private static readonly System.Diagnostics.Metrics.Counter<long> Passages =
        MtaedaTelemetry.Meter.CreateCounter<long>("mtaeda.tests.passages", unit: "{passage}");

    [Fact]
    public async Task Metrics_serves_the_Mtaeda_meter_in_Prometheus_text_format()
    {
        await using var service = await TestApp.StartAsync(endpoints: app => app.MapPost("/passages", () =>
        {
            Passages.Add(3);
            return Results.NoContent();
        }));
        using var _ = await service.Client.PostAsync("/passages", null, TestContext.Current.CancellationToken);

        using var response = await service.Client.GetAsync(DefaultEndpoints.MetricsPath, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE mtaeda_tests_passages_total counter", body, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^mtaeda_tests_passages_total(\{[^}]*\})? 3(\s|$)", body);
        // The resource identifies the service by its Dapr app-id.
        Assert.Contains("service_name=\"servicedefaults-tests\"", body, StringComparison.Ordinal);
    }
}
