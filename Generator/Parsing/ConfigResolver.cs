using System.Collections.Generic;
using System.IO;
using KernelGen.Configuration;
using KernelGen.Generator.Diagnostics;
using KernelGen.Generator.Model;

namespace KernelGen.Generator.Parsing;

/// <summary>
/// Completes a class whose <c>[TransformerModel(ConfigFile = ...)]</c> names a Hugging Face
/// <c>config.json</c>: finds the file among the AdditionalFiles, reads it with the same
/// <see cref="HuggingFaceConfig"/> the runtime uses, and builds the spec from it. A missing file is
/// a diagnostic at the argument; a malformed one, at the offending line of the file.
/// </summary>
internal static class ConfigResolver
{
    public static ParseResult Resolve(ParseResult parsed, EquatableArray<AdditionalFileText> files)
    {
        var declaration = parsed.Pending;
        if (declaration is null)
        {
            return parsed;
        }

        var diagnostics = new List<DiagnosticInfo>(declaration.DeclarationDiagnostics);
        string path = declaration.ConfigFile!;
        var file = path.Trim().Length == 0 ? null : AdditionalFiles.Find(files, path);
        if (file is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConfigFileMissing, declaration.ConfigFileLocation, path.Trim().Length == 0
                ? "ConfigFile is empty; give the path of a Hugging Face config.json among the project's AdditionalFiles"
                : "config file '" + path + "' is not among the project's AdditionalFiles; add <AdditionalFiles Include=\"" + path + "\" /> to the project"));
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        var config = HuggingFaceConfig.Parse(file.Text, out var problems);
        if (config is null)
        {
            foreach (var problem in problems)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ForRule(problem.Id),
                    problem.Line > 0 ? AdditionalFiles.LineLocation(file, problem.Line) : declaration.ConfigFileLocation,
                    Path.GetFileName(file.Path) + " line " + problem.Line.ToString(System.Globalization.CultureInfo.InvariantCulture) + ": " + problem.Message));
            }

            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        return ModelBuilder.Build(declaration, (config, file));
    }
}
