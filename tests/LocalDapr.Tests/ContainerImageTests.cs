using System.Diagnostics;
using LocalDapr.Runner;

namespace LocalDapr.Tests;

/// <summary>
/// Every app of dapr.yaml is published as a container image (docs/images.md) named after its app-id, non-root, exposing
/// its app port and the management port: read from the evaluated MSBuild properties of its project, as
/// <c>dotnet publish -t:PublishContainer</c> would use them (building an image needs a registry, which the tests lack).
/// </summary>
public sealed class ContainerImageTests
{
    private static string Root => Mtaeda.Testing.Repository.Root;

    [Fact]
    public async Task Every_app_of_the_run_file_has_an_image_named_after_its_app_id()
    {
        // dev-mail (tools/dev-mail) is the run files' development mail sink, on loopback: no image.
        var apps = RunFile.Load(Path.Combine(Root, "dapr.yaml"), new Dictionary<string, string>()).Where(a => a.AppId != "dev-mail").ToList();
        using var gate = new SemaphoreSlim(3);
        var evaluated = await Task.WhenAll(apps.Select(async app =>
        {
            await gate.WaitAsync(TestContext.Current.CancellationToken);
            try
            {
                return (App: app, Image: await EvaluateAsync(app.AppDirPath));
            }
            finally
            {
                gate.Release();
            }
        }));

        foreach (var (app, image) in evaluated)
        {
            var properties = image.GetProperty("Properties");
            string Property(string name) => properties.GetProperty(name).GetString() ?? "";
            string[] Items(string name, string metadata = "Identity") =>
                [.. image.GetProperty("Items").GetProperty(name).EnumerateArray().Select(i => i.GetProperty(metadata).GetString() ?? "")];

            Assert.True(Property("ContainerRepository") == $"mtaeda/{app.AppId}", $"{app.AppId}: ContainerRepository '{Property("ContainerRepository")}'");
            Assert.Equal("true", Property("EnableSdkContainerSupport"));
            Assert.Equal("1654", Property("ContainerUser"));
            Assert.EndsWith("-chiseled", Property("ContainerFamily"), StringComparison.Ordinal);
            if (app.Sidecar.AppPort is { } port)
            {
                Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), Items("ContainerPort"));
                Assert.Contains("8081", Items("ContainerPort"));
                var environment = Items("ContainerEnvironmentVariable").Zip(Items("ContainerEnvironmentVariable", "Value")).ToDictionary(e => e.First, e => e.Second);
                Assert.Equal("8081", environment["MANAGEMENT_PORT"]);
            }
        }
    }

    private static async Task<JsonElement> EvaluateAsync(string appDir)
    {
        var project = Assert.Single(Directory.GetFiles(appDir, "*.csproj"));
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "msbuild", project, "-nologo",
            "-getProperty:ContainerRepository", "-getProperty:EnableSdkContainerSupport", "-getProperty:ContainerUser", "-getProperty:ContainerFamily",
            "-getItem:ContainerPort", "-getItem:ContainerEnvironmentVariable" })
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"dotnet msbuild {project}: {await errors}{await output}");
        using var document = JsonDocument.Parse(await output);
        return document.RootElement.Clone();
    }
}
