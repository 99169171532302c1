namespace Mtaeda.Dashboard.Backend;

/// <summary>What a list shows: the pages read so far, and whether the service has more (AIP-158 paging).</summary>
/// <typeparam name="T">The items.</typeparam>
/// <param name="Items">The items of the pages read, in the service's order.</param>
/// <param name="More">True when the last page read named a next one.</param>
public sealed record PagedList<T>(IReadOnlyList<T> Items, bool More)
{
    /// <summary>Nothing read yet.</summary>
    public static readonly PagedList<T> Empty = new([], false);
}

/// <summary>
/// Reads a paged list (<c>page_size</c>, <c>page_token</c>, <c>next_page_token</c>) a number of pages deep: a page shows the
/// first pages, and "Load more" asks for one page more; a refresh reads again as many pages as are shown.
/// </summary>
public static class PagedReads
{
    /// <summary>The page size the dashboard asks for.</summary>
    public const int PageSize = 50;

    /// <summary>Reads up to <paramref name="pages"/> pages.</summary>
    /// <typeparam name="T">The items.</typeparam>
    /// <param name="page">Reads the page of a token (empty: the first) and answers its items and the next token.</param>
    /// <param name="pages">How many pages to read at most.</param>
    /// <returns>The items, and whether there are more.</returns>
    public static async Task<PagedList<T>> ReadAsync<T>(Func<string, Task<(IEnumerable<T> Items, string Next)>> page, int pages)
    {
        ArgumentNullException.ThrowIfNull(page);
        var items = new List<T>();
        var token = string.Empty;
        for (var read = 0; read < Math.Max(1, pages); read++)
        {
            var (some, next) = await page(token);
            items.AddRange(some);
            token = next;
            if (token.Length == 0) break;
        }
        return new PagedList<T>(items, token.Length > 0);
    }
}
