{
  "targets": [
    {
      "target_name": "lagoon_sys",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/probe.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NAPI_CPP_EXCEPTIONS"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Werror=return-type"],
      "conditions": [
        ["OS!='linux'", {
          "sources!": ["src/probe.cc"],
          "sources": ["src/probe-unsupported.cc"]
        }]
      ]
    }
  ]
}
