using System.Text.Json;
using Mtaeda.Simulator;
using Mtaeda.Testing;

namespace Mtaeda.Gateway.Tests;

public sealed class SimulatorTests
{
    [Fact]
    public async Task A_simulator_run_accounts_for_every_passage_equipment_recorded()
    {
        await using var host = await GatewayTestHost.StartAsync();
        var output = new StringWriter();
        var options = new SimulationOptions
        {
            Stations = 3,
            TurnstilesPerStation = 3,
            Passages = 3000,
            Rate = 3000,
            RushHour = true,
            FaultRate = 0.001,
            Seed = 7,
            Gateways = [host.DeviceEndpoint],
            CertificatesDirectory = host.Certificates.Directory,
            DrainTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(20),
        };

        var exit = await Simulation.RunAsync(options, output, TestContext.Current.CancellationToken);

        var lines = output.ToString().TrimEnd().Split('\n');
        // SIMULATOR_OUTPUT=path keeps what the simulator printed (to look at its progress lines).
        if (Environment.GetEnvironmentVariable("SIMULATOR_OUTPUT") is { Length: > 0 } path) await File.WriteAllTextAsync(path, output.ToString(), TestContext.Current.CancellationToken);
        Assert.Equal(0, exit);
        using var summary = JsonDocument.Parse(lines[^1]);
        var root = summary.RootElement;
        Assert.True(root.GetProperty("complete").GetBoolean());
        Assert.Equal(3000, root.GetProperty("passages").GetInt64());
        Assert.Equal(3000, root.GetProperty("acked").GetInt64());
        Assert.Equal(3000, root.GetProperty("forwarded").GetInt64());
        Assert.Equal(host.Equipment.Ingress, root.GetProperty("ingress").GetInt64());
        Assert.Equal(host.Equipment.Egress, root.GetProperty("egress").GetInt64());
        Assert.Equal(3000, host.Equipment.Ingress + host.Equipment.Egress + root.GetProperty("rejected").GetInt64());
        Assert.Equal(host.Equipment.Faults.Count, root.GetProperty("faults").GetInt32());
    }

    [Fact]
    public async Task Equipment_stopped_during_a_run_loses_and_doubles_nothing()
    {
        await using var host = await GatewayTestHost.StartAsync();
        var output = new StringWriter();
        var options = new SimulationOptions
        {
            Stations = 2, TurnstilesPerStation = 3, Duration = TimeSpan.FromSeconds(4), Rate = 1000, Seed = 9,
            Gateways = [host.DeviceEndpoint], CertificatesDirectory = host.Certificates.Directory, DrainTimeout = TimeSpan.FromSeconds(30),
        };
        var run = Simulation.RunAsync(options, output, TestContext.Current.CancellationToken);

        await host.Equipment.WaitForAsync(e => e.Ingress + e.Egress >= 500, "traffic to flow");
        await host.StopEquipmentAsync();
        var stoppedAt = host.Equipment.Ingress + host.Equipment.Egress;
        await Eventually.UntilAsync(() => host.JournalDepth >= 10, "batches to queue up in the journal", cancellationToken: TestContext.Current.CancellationToken);
        await host.StartEquipmentAsync();

        Assert.Equal(0, await run);
        using var summary = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]);
        var root = summary.RootElement;
        Assert.Equal(4000, root.GetProperty("passages").GetInt64());
        Assert.Equal(4000, root.GetProperty("forwarded").GetInt64());
        Assert.Equal(host.Equipment.Ingress, root.GetProperty("ingress").GetInt64());
        Assert.Equal(host.Equipment.Egress, root.GetProperty("egress").GetInt64());
        Assert.True(stoppedAt < 4000, $"equipment was stopped after {stoppedAt} passages");
        await Eventually.UntilAsync(() => host.JournalDepth == 0, "the journal to empty", cancellationToken: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_same_seed_sends_the_same_traffic()
    {
        async Task<(long Ingress, long Egress)> RunAsync()
        {
            await using var host = await GatewayTestHost.StartAsync();
            var options = new SimulationOptions
            {
                Stations = 2, TurnstilesPerStation = 2, Passages = 500, Rate = 5000, Seed = 11,
                Gateways = [host.DeviceEndpoint], CertificatesDirectory = host.Certificates.Directory, Quiet = true,
            };
            Assert.Equal(0, await Simulation.RunAsync(options, TextWriter.Null, TestContext.Current.CancellationToken));
            return (host.Equipment.Ingress, host.Equipment.Egress);
        }

        Assert.Equal(await RunAsync(), await RunAsync());
    }

    [Fact]
    public async Task Provisioning_registers_stations_and_installs_turnstiles_through_the_sidecar_idempotently()
    {
        await using var host = await GatewayTestHost.StartAsync();
        var sidecar = await host.ClientSidecarAsync();
        var options = new SimulationOptions
        {
            Stations = 3, TurnstilesPerStation = 2, Passages = 60, Rate = 1000, Seed = 5, Provision = true, DaprGrpcEndpoint = sidecar,
            Gateways = [host.DeviceEndpoint], CertificatesDirectory = host.Certificates.Directory, Quiet = true,
        };

        Assert.Equal(0, await Simulation.RunAsync(options, TextWriter.Null, TestContext.Current.CancellationToken));
        Assert.Equal(["stn-001", "stn-002", "stn-003"], host.Equipment.Stations.Keys.Order());
        Assert.Equal(["ts-001-01", "ts-001-02", "ts-002-01", "ts-002-02", "ts-003-01", "ts-003-02"], host.Equipment.Installed.Keys.Order());
        Assert.All(host.Equipment.Installed.Values, t => Assert.Equal(t.TurnstileId[3..6], t.StationId[4..]));
        Assert.All(host.Equipment.Stations.Values, s => Assert.NotEmpty(s.LineIds));

        // A second run provisions again (AlreadyExists is fine) and continues each device's sequence.
        Assert.Equal(0, await Simulation.RunAsync(options, TextWriter.Null, TestContext.Current.CancellationToken));
        Assert.Equal(9, host.Equipment.Repeats);
        Assert.Equal(120, host.Equipment.Ingress + host.Equipment.Egress);
    }

    [Fact]
    public async Task An_unreachable_gateway_makes_the_run_fail_with_a_summary()
    {
        using var dir = new TempDirectory();
        var output = new StringWriter();
        var options = new SimulationOptions
        {
            Stations = 1, TurnstilesPerStation = 1, Passages = 10,
            Gateways = [new Uri($"https://localhost:{LocalDapr.Sidecar.Sidecar.FreePort()}")],
            CertificatesDirectory = dir.Sub("certs"), ConnectTimeout = TimeSpan.FromSeconds(2),
        };

        Assert.Equal(2, await Simulation.RunAsync(options, output, TestContext.Current.CancellationToken));
        using var summary = JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]);
        Assert.Equal("gateway unreachable", summary.RootElement.GetProperty("error").GetString());
    }
}

public sealed class SimulatedFacesTests
{
    private static double Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();

    [Fact]
    public void Offenders_are_regenerated_from_the_seed_and_their_captures_match_them_while_strangers_match_no_one()
    {
        const int length = 512;
        var random = new Random(3);
        var listed = Enumerable.Range(1, 3).Select(i => Faces.Offender(7, i, length)).ToArray();

        Assert.Equal(listed[0], Faces.Offender(7, 1, length));
        Assert.NotEqual(listed[0], Faces.Offender(8, 1, length));
        Assert.Equal("off-s7-01", Faces.OffenderId(7, 1));
        for (var i = 0; i < 50; i++)
        {
            var capture = Faces.CaptureOf(listed[i % 3], random);
            Assert.Equal(1.0, Math.Sqrt(Cosine(capture, capture)), 3);
            Assert.InRange(Cosine(capture, listed[i % 3]), 0.9, 1.0);
            Assert.InRange(Cosine(capture, listed[(i + 1) % 3]), -0.3, 0.3);
            var stranger = Faces.Random(random, length);
            Assert.Equal(1.0, Math.Sqrt(Cosine(stranger, stranger)), 3);
            Assert.All(listed, offender => Assert.InRange(Cosine(stranger, offender), -0.3, 0.3));
        }
    }

    [Fact]
    public void A_crop_is_a_64_by_64_grayscale_jpeg_of_the_face()
    {
        var template = Faces.Offender(7, 1, 512);
        var jpeg = Faces.Crop(template);

        Assert.Equal([0xFF, 0xD8], jpeg[..2]);
        Assert.Equal([0xFF, 0xD9], jpeg[^2..]);
        var sof = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        Assert.True(sof > 0, "a baseline frame");
        // precision 8, height 64, width 64, one component (grayscale)
        Assert.Equal([8, 0, 64, 0, 64, 1], jpeg[(sof + 4)..(sof + 10)]);
        using var decoded = SkiaSharp.SKBitmap.Decode(jpeg);
        Assert.Equal((64, 64), (decoded.Width, decoded.Height));
        // The corner is the dark background, the middle the face's lighter oval.
        Assert.InRange(decoded.GetPixel(2, 2).Red, 20, 60);
        Assert.InRange(decoded.GetPixel(32, 32).Red, 80, 255);
        Assert.Equal(jpeg, Faces.Crop(Faces.Offender(7, 1, 512)));
    }
}
