using System.Text;
using LocalDapr.Sidecar;

namespace LocalDapr.Tests;

/// <summary>daprd routes its HTTP API on the path cleaned as Go's <c>path.Clean</c> cleans it (its clean-path middleware).</summary>
public sealed class CleanPathTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("//v1.0/actors/T/1/state/k", "/v1.0/actors/T/1/state/k")]
    [InlineData("/v1.0/metadata/", "/v1.0/metadata")]
    [InlineData("/v1.0///state//store/", "/v1.0/state/store")]
    [InlineData("/v1.0/state/store/./a/../b", "/v1.0/state/store/b")]
    [InlineData("/../v1.0/healthz", "/v1.0/healthz")]
    [InlineData("/", "/")]
    [InlineData("//", "/")]
    [InlineData("", ".")]
    [InlineData("a/../..", "..")]
    public void Paths_clean_as_gos_path_clean(string path, string cleaned) => Assert.Equal(cleaned, CleanPath.Clean(path));

    [Fact]
    public async Task Repeated_and_trailing_slashes_reach_the_same_routes()
    {
        await using var harness = Harness.Create();
        var node = await harness.AddAsync("callee");
        using var http = Http.Client();
        var sidecar = $"http://127.0.0.1:{node.Sidecar.HttpPort}";

        using (var save = await http.PostAsync($"{sidecar}//v1.0/state/statestore/", new StringContent("""[{"key":"k","value":"v"}]""", Encoding.UTF8, "application/json"), Ct))
            Assert.Equal(HttpStatusCode.NoContent, save.StatusCode);
        Assert.Equal("\"v\"", await http.GetStringAsync($"{sidecar}//v1.0//state/statestore/k/", Ct));
        using (var metadata = JsonDocument.Parse(await http.GetStringAsync($"{sidecar}/v1.0/metadata/", Ct)))
            Assert.Equal("callee", metadata.RootElement.GetProperty("id").GetString());

        using var echo = JsonDocument.Parse(await http.GetStringAsync($"{sidecar}//v1.0/invoke/callee/method//echo//a/", Ct));
        Assert.Equal("/echo/a", echo.RootElement.GetProperty("path").GetString());
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{sidecar}//echo//b/");
        request.Headers.Add("dapr-app-id", "callee");
        using var response = await http.SendAsync(request, Ct);
        using var byHeader = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("/echo/b", byHeader.RootElement.GetProperty("path").GetString());
    }
}
