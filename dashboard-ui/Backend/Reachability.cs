using System.Collections.Concurrent;
using Grpc.Core;

namespace Mtaeda.Dashboard.Backend;

/// <summary>
/// Which services answer, as seen by one circuit (scoped): every call goes through <see cref="CallAsync{T}"/>, which marks a service unreachable when a call
/// fails for want of it and reachable again at its next answer. The layout shows "reconnecting…" meanwhile; the pages keep
/// their periodic reads going, so they recover without a reload.
/// </summary>
public sealed class Reachability
{
    private readonly ConcurrentDictionary<string, string> _down = new();

    /// <summary>Raised when a service goes away or comes back.</summary>
    public event Action? Changed;

    /// <summary>The services not answering now, and why.</summary>
    public IReadOnlyDictionary<string, string> Unreachable => _down;

    /// <summary>Calls <paramref name="service"/>, recording whether it answered.</summary>
    /// <typeparam name="T">The answer.</typeparam>
    /// <param name="service">The app id.</param>
    /// <param name="call">The call.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="ServiceUnreachableException">The service did not answer.</exception>
    /// <exception cref="CommandRefusedException">The service refused (any other gRPC status).</exception>
    public async Task<T> CallAsync<T>(string service, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            var result = await call();
            Up(service);
            return result;
        }
        catch (RpcException e) when (ServiceMessage.IsUnreachable(e.StatusCode))
        {
            Down(service, e.Status.Detail);
            throw new ServiceUnreachableException(service, e);
        }
        catch (RpcException e)
        {
            Up(service);
            throw new CommandRefusedException(ServiceMessage.Of(e));
        }
        catch (HttpRequestException e)
        {
            Down(service, e.Message);
            throw new ServiceUnreachableException(service, e);
        }
    }

    /// <summary>Records that <paramref name="service"/> answered.</summary>
    /// <param name="service">The app id.</param>
    public void Up(string service)
    {
        if (_down.TryRemove(service, out _)) Changed?.Invoke();
    }

    /// <summary>Records that <paramref name="service"/> did not answer.</summary>
    /// <param name="service">The app id.</param>
    /// <param name="why">What failed.</param>
    public void Down(string service, string why)
    {
        var added = !_down.ContainsKey(service);
        _down[service] = why;
        if (added) Changed?.Invoke();
    }
}
