using System.Net.Sockets;

namespace LocalDapr.Tests;

/// <summary>
/// Ports for sidecars and apps come from below the kernel's ephemeral range, so an outgoing connection cannot take a
/// port between the moment it was found free and the moment it is bound (a test failed now and then with "address
/// already in use" when they came from bind(0)).
/// </summary>
public sealed class FreePortTests
{
    [Fact]
    public void Free_ports_are_distinct_bindable_and_outside_the_ephemeral_range()
    {
        var ephemeralStart = EphemeralRangeStart();
        var ports = Enumerable.Range(0, 200).Select(_ => Sidecar.Sidecar.FreePort()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, port => Assert.InRange(port, 1024, ephemeralStart - 1));
        using var listener = new TcpListener(IPAddress.Loopback, ports[^1]);
        listener.Start();
    }

    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) ? int.Parse(File.ReadAllText(range).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture) : 32768;
    }
}
