using Grpc.Core;
using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults.Callers;

/// <summary>
/// What a caller may read, station by station (ADR 0009): a service's call (no user) reads every station; a user's call reads
/// the stations of the user's token (<c>stations</c>: <c>*</c> or a list). A list keeps only what the caller sees, before it
/// is paged; one item of a station the caller does not see is refused with <c>PermissionDenied</c>, as a command there is.
/// The services apply it in their API, after their query: <c>context.Caller().Visible(orders, o =&gt; o.StationId)</c>.
/// </summary>
public static class StationScope
{
    /// <summary>Whether the caller reads <paramref name="stationId"/>'s data.</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="stationId">The station.</param>
    /// <returns>True for a service, and for a user who works there.</returns>
    public static bool Sees(this Caller caller, string stationId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.User?.Sees(stationId) ?? true;
    }

    /// <summary>Whether the caller reads something that covers <paramref name="stationIds"/> (none: every station).</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="stationIds">The stations it covers; empty for every station.</param>
    /// <returns>True for a service, and for a user who works at one of them (or when it covers every station).</returns>
    public static bool SeesAny(this Caller caller, IReadOnlyCollection<string> stationIds)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(stationIds);
        return caller.User is not { } user || stationIds.Count == 0 || stationIds.Any(user.Sees);
    }

    /// <summary>The items of the stations the caller sees, in their order.</summary>
    /// <typeparam name="T">The item.</typeparam>
    /// <param name="caller">The caller.</param>
    /// <param name="items">The items.</param>
    /// <param name="stationOf">An item's station.</param>
    /// <returns>The items the caller may read.</returns>
    public static IEnumerable<T> Visible<T>(this Caller caller, IEnumerable<T> items, Func<T, string> stationOf)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(stationOf);
        return caller.User is null ? items : items.Where(item => caller.Sees(stationOf(item)));
    }

    /// <summary>The items covering at least one station the caller sees (an item covering none listed covers every station).</summary>
    /// <typeparam name="T">The item.</typeparam>
    /// <param name="caller">The caller.</param>
    /// <param name="items">The items.</param>
    /// <param name="stationsOf">The stations an item covers; empty for every station.</param>
    /// <returns>The items the caller may read.</returns>
    public static IEnumerable<T> VisibleAny<T>(this Caller caller, IEnumerable<T> items, Func<T, IReadOnlyCollection<string>> stationsOf)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(stationsOf);
        return caller.User is null ? items : items.Where(item => caller.SeesAny(stationsOf(item)));
    }

    /// <summary>Refuses a user who does not work at <paramref name="stationId"/> (<c>PermissionDenied</c>); a service passes.</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="stationId">The station of the item read or acted on.</param>
    /// <exception cref="RpcException">PermissionDenied.</exception>
    public static void RequireStation(this Caller caller, string stationId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.User is { } user && !user.Sees(stationId)) throw NotAtStation(user, stationId);
    }

    /// <summary>Refuses a user who works at none of <paramref name="stationIds"/> (empty: every station) with <c>PermissionDenied</c>.</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="stationIds">The stations the item covers.</param>
    /// <exception cref="RpcException">PermissionDenied.</exception>
    public static void RequireAnyStation(this Caller caller, IReadOnlyCollection<string> stationIds)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(stationIds);
        if (caller.User is { } user && !caller.SeesAny(stationIds))
        {
            throw Errors.PermissionDenied($"{user.Id} works at none of the stations {string.Join(", ", stationIds)}");
        }
    }

    /// <summary>
    /// Refuses a user who does not work at every one of <paramref name="stationIds"/> (empty: every station, which only a user
    /// of every station covers) with <c>PermissionDenied</c>; a service passes. For commands on something that covers
    /// stations (a notification configuration): a user changes only what covers their stations alone.
    /// </summary>
    /// <param name="caller">The caller.</param>
    /// <param name="stationIds">The stations the item covers; empty for every station.</param>
    /// <exception cref="RpcException">PermissionDenied.</exception>
    public static void RequireEveryStation(this Caller caller, IReadOnlyCollection<string> stationIds)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(stationIds);
        if (caller.User is not { } user) return;
        if (stationIds.Count == 0 && !user.Sees(CallingUser.AllStations))
        {
            throw Errors.PermissionDenied($"{user.Id} does not work at every station");
        }
        if (stationIds.FirstOrDefault(id => !user.Sees(id)) is { } other) throw NotAtStation(user, other);
    }

    /// <summary>The refusal of a user at a station not theirs.</summary>
    /// <param name="user">The user.</param>
    /// <param name="stationId">The station.</param>
    /// <returns>PermissionDenied, naming both.</returns>
    public static RpcException NotAtStation(CallingUser user, string stationId)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Errors.PermissionDenied($"{user.Id} does not work at station {stationId}");
    }
}
