using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults.Paging;

/// <summary>
/// Where an item stands in a list's order, compared part by part (<see cref="Major"/>, then <see cref="Minor"/>, then
/// <see cref="Id"/> ordinally), ascending: a list that shows the newest first gives <c>-ticks</c>.
/// </summary>
/// <param name="Major">The first sort key.</param>
/// <param name="Minor">The second sort key.</param>
/// <param name="Id">The item's id, which makes every key unique.</param>
public readonly record struct PageKey(long Major, long Minor, string Id) : IComparable<PageKey>
{
    /// <inheritdoc />
    public int CompareTo(PageKey other)
    {
        var c = Major.CompareTo(other.Major);
        if (c != 0) return c;
        c = Minor.CompareTo(other.Minor);
        return c != 0 ? c : string.CompareOrdinal(Id, other.Id);
    }
}

/// <summary>One page of a list and the token of the next (empty on the last page).</summary>
/// <typeparam name="T">The items.</typeparam>
/// <param name="Items">The page's items, in the list's order.</param>
/// <param name="NextPageToken">The token of the next page; empty when there is none.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, string NextPageToken);

/// <summary>
/// Paging of a list RPC as Google AIP-158 has it: <c>page_size</c> (0: the default; above the maximum: the maximum;
/// negative: <c>InvalidArgument</c>), an opaque <c>page_token</c> from the previous answer's <c>next_page_token</c>, and an
/// empty <c>next_page_token</c> on the last page. The token names the last item given (its <see cref="PageKey"/>), so a page
/// starts right after it however many items came or went in between (no item is skipped or given twice), and the request's
/// other fields (a token given with other filters is <c>InvalidArgument</c>).
/// </summary>
public static class Pages
{
    /// <summary>The page of <paramref name="items"/> that <paramref name="pageToken"/> asks for.</summary>
    /// <typeparam name="T">The items.</typeparam>
    /// <param name="items">Every item the filters let through, in any order.</param>
    /// <param name="key">Where an item stands in the list's order.</param>
    /// <param name="pageSize">The request's <c>page_size</c>.</param>
    /// <param name="pageToken">The request's <c>page_token</c>.</param>
    /// <param name="query">The request's other fields, as one string (a token is good only for the same).</param>
    /// <param name="maxPageSize">The default and largest page.</param>
    /// <returns>The page.</returns>
    public static Page<T> Of<T>(IEnumerable<T> items, Func<T, PageKey> key, int pageSize, string pageToken, string query, int maxPageSize)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(key);
        var size = pageSize switch
        {
            < 0 => throw Errors.InvalidArgument("page_size", "must not be negative"),
            0 => maxPageSize,
            _ => Math.Min(pageSize, maxPageSize),
        };
        var fingerprint = Fingerprint(query);
        PageKey? after = pageToken.Length == 0 ? null : Read(pageToken, fingerprint);
        var ordered = items.Select(i => (Item: i, Key: key(i))).Where(i => after is not { } last || i.Key.CompareTo(last) > 0).OrderBy(i => i.Key).Take(size + 1).ToList();
        var page = ordered.Take(size).ToList();
        var next = ordered.Count > size ? Write(page[^1].Key, fingerprint) : string.Empty;
        return new Page<T>([.. page.Select(i => i.Item)], next);
    }

    private static string Fingerprint(string query) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(query)).AsSpan(0, 8));

    private static string Write(PageKey key, string fingerprint) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new Token(fingerprint, key.Major, key.Minor, key.Id)));

    private static PageKey Read(string pageToken, string fingerprint)
    {
        Token? token;
        try
        {
            token = JsonSerializer.Deserialize<Token>(Base64Url.DecodeFromChars(pageToken));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            token = null;
        }
        if (token?.Id is null) throw Errors.InvalidArgument("page_token", "is not a token this list gave");
        if (token.Q != fingerprint) throw Errors.InvalidArgument("page_token", "was given for a list with other filters");
        return new PageKey(token.Major, token.Minor, token.Id);
    }

    private sealed record Token(string Q, long Major, long Minor, string Id);
}
